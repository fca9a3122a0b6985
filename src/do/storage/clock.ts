// A dev-only clock (DEV_CLOCK_ENABLED): an offset this project's jobs add to Date.now(),
// so the benchmark can model a user's pause of hours or days without waiting, and the
// decisions that compare times (the stale rule, cache age) see it. Disabled, it is the
// real clock and cannot be moved. Kept in the DO's key-value storage: one number, no table.
const KEY = "dev_clock_offset_ms";

export class DevClock {
  private readonly kv: SyncKvStorage;
  private readonly enabled: boolean;

  constructor(kv: SyncKvStorage, enabled: boolean) {
    this.kv = kv;
    this.enabled = enabled;
  }

  offsetMs(): number {
    return this.enabled ? (this.kv.get<number>(KEY) ?? 0) : 0;
  }

  now(): number {
    return Date.now() + this.offsetMs();
  }

  /** Moves the clock forward; null when the dev clock is disabled. */
  advance(ms: number): number | null {
    if (!this.enabled) return null;
    const offset = this.offsetMs() + ms;
    this.kv.put(KEY, offset);
    return offset;
  }
}

export function devClockEnabled(env: Pick<Env, "DEV_CLOCK_ENABLED">): boolean {
  return env.DEV_CLOCK_ENABLED.trim().toLowerCase() === "true";
}
