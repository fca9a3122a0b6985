import { MAX_RETRY_MS } from "../runner-slot.ts";

// A lost invocation (the instance died in a deploy, an eviction, a dev reload) leaves its job
// marked running with only the watchdog alarm (budget + 2 min) to pick it up again. Any request
// that reaches the object looks: a job open, no invocation alive in this instance, no recent
// heartbeat in storage and no alarm due soon → the alarm is re-armed now. The watchdog stays
// as the last resort for an object nobody asks.

const HEARTBEAT_KEY = "invocation_heartbeat_ms";
/** A live alarm invocation writes its heartbeat this often. */
export const HEARTBEAT_MS = 5_000;
/** Three missed heartbeats: the invocation that wrote the last one is gone. */
export const HEARTBEAT_STALE_MS = 3 * HEARTBEAT_MS;
/**
 * An open job with no live invocation is looked at within this long (the longest wait for a
 * runner slot, plus a second); an alarm set later than that is the watchdog of a dead one.
 */
export const MAX_QUIET_MS = MAX_RETRY_MS + 1_000;

export class InvocationHeartbeat {
  private readonly kv: SyncKvStorage;
  constructor(kv: SyncKvStorage) {
    this.kv = kv;
  }

  /** Beats now and every HEARTBEAT_MS until the returned stop is called. */
  start(): () => void {
    this.kv.put(HEARTBEAT_KEY, Date.now());
    const timer = setInterval(() => {
      try {
        this.kv.put(HEARTBEAT_KEY, Date.now());
      } catch {
        // The object was reset under the invocation (its storage refuses): it is dead, stop.
        clearInterval(timer);
      }
    }, HEARTBEAT_MS);
    return () => clearInterval(timer);
  }

  lastBeat(): number | null {
    return this.kv.get<number>(HEARTBEAT_KEY) ?? null;
  }
}

export interface QueueLook {
  /** An alarm invocation is running in this instance. */
  working: boolean;
  /** A job is queued, waiting or running. */
  openJob: boolean;
  /** When the alarm is set for; null: none is. */
  alarm: number | null;
  lastBeat: number | null;
  now: number;
}

/** True when the open job has no invocation alive and nothing will look at it soon. */
export function invocationLost(look: QueueLook): boolean {
  if (look.working || !look.openJob) return false;
  if (look.alarm !== null && look.alarm <= look.now + MAX_QUIET_MS) return false;
  return look.lastBeat === null || look.now - look.lastBeat > HEARTBEAT_STALE_MS;
}
