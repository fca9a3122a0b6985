import { DurableObject } from "cloudflare:workers";
import { jobLimits, runnerSlots } from "../config.ts";
import { applyMigrations } from "../do/storage/schema.ts";

/** A waiter asks again at least every 30 s (src/do/runner-slot.ts); one silent for three
 * times that has moved on and no longer holds its place in line. */
const WAITER_TTL_MS = 90_000;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE slots (
     name TEXT PRIMARY KEY, holder TEXT, project_id TEXT, expires_at INTEGER,
     last_project TEXT, last_used_at INTEGER NOT NULL DEFAULT 0);
   CREATE UNIQUE INDEX slots_holder ON slots(holder);
   CREATE TABLE waiters (project_id TEXT PRIMARY KEY, since INTEGER NOT NULL, seen_at INTEGER NOT NULL, slot TEXT);`,
];

interface SlotRow extends Record<string, SqlStorageValue> {
  name: string;
  holder: string | null;
  expires_at: number | null;
  last_project: string | null;
  last_used_at: number;
}

export interface SlotRequest {
  projectId: string;
  /** Who holds the lease (the job id): asking again while holding renews it. */
  holder: string;
  /** The slot this holder must have (its run may be live there), or null for any. */
  slot: string | null;
}

export type SlotGrant = { granted: true; slot: string } | { granted: false; slots: number; waiting: number };

export const slotName = (index: number): string => `runner-${index}`;

// The one RunnerPool (named "pool") leases RUNNER_SLOTS runner slots to jobs; in
// production a slot names its container instance, so at most that many containers run.
// Free slots go first to the longest-waiting project, then to the slot a project used last
// (its workspace and transcripts are still on that disk), else to the least recently used.
export class RunnerPool extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => applyMigrations(this.sql, MIGRATIONS));
  }

  /**
   * A lease lasts this long without a heartbeat; a holder that died frees its slot then.
   * Longer than the ProjectDO's watchdog (config.ts), so an interrupted job that comes back
   * finds its slot still its own (a run may still be live on that container).
   */
  private leaseMs(): number {
    return jobLimits(this.env).slotLeaseMs;
  }

  async acquire(request: SlotRequest): Promise<SlotGrant> {
    const now = Date.now();
    this.sql.exec("UPDATE slots SET holder = NULL, project_id = NULL, expires_at = NULL WHERE holder IS NOT NULL AND expires_at <= ?", now);
    this.sql.exec("DELETE FROM waiters WHERE seen_at < ?", now - WAITER_TTL_MS);
    const held = this.sql.exec<{ name: string }>("SELECT name FROM slots WHERE holder = ?", request.holder).toArray()[0];
    if (held !== undefined) return this.grant(held.name, request, now);

    const count = runnerSlots(this.env);
    const rows = new Map(this.sql.exec<SlotRow>("SELECT * FROM slots").toArray().map((r) => [r.name, r]));
    const isFree = (name: string): boolean => (rows.get(name)?.holder ?? null) === null;
    if (request.slot !== null) {
      if (isFree(request.slot)) return this.grant(request.slot, request, now);
      return this.wait(request, now, count);
    }
    const free = Array.from({ length: count }, (_, i) => slotName(i)).filter(isFree);
    const since = this.sql.exec<{ since: number }>("SELECT since FROM waiters WHERE project_id = ?", request.projectId).toArray()[0]?.since ?? now;
    const ahead = this.sql.exec<{ n: number }>(
      "SELECT COUNT(*) AS n FROM waiters WHERE slot IS NULL AND project_id != ? AND since < ?", request.projectId, since,
    ).one().n;
    if (free.length <= ahead) return this.wait(request, now, count);
    const lastUsed = (name: string): number => rows.get(name)?.last_used_at ?? 0;
    const choice = free.find((name) => rows.get(name)?.last_project === request.projectId) ?? [...free].sort((a, b) => lastUsed(a) - lastUsed(b))[0];
    return choice === undefined ? this.wait(request, now, count) : this.grant(choice, request, now);
  }

  /** Extends the holder's lease; false when it has none (it expired and was given away). */
  async renew(holder: string): Promise<boolean> {
    const now = Date.now();
    return this.sql.exec("UPDATE slots SET expires_at = ? WHERE holder = ? AND expires_at > ?", now + this.leaseMs(), holder, now).rowsWritten > 0;
  }

  /** Frees the holder's slot and wakes the projects waiting longest for one. */
  async release(holder: string): Promise<void> {
    const now = Date.now();
    const freed = this.sql.exec("UPDATE slots SET holder = NULL, project_id = NULL, expires_at = NULL, last_used_at = ? WHERE holder = ?", now, holder).rowsWritten;
    if (freed === 0) return;
    const waiters = this.sql.exec<{ project_id: string }>("SELECT project_id FROM waiters ORDER BY since LIMIT 4").toArray();
    for (const { project_id: projectId } of waiters) {
      // A nudge only: a waiter that misses it still retries on its own backoff.
      this.ctx.waitUntil(this.env.PROJECT.getByName(projectId).wake().catch((err: unknown) => console.warn(`could not wake ${projectId}`, err)));
    }
  }

  private grant(slot: string, request: SlotRequest, now: number): SlotGrant {
    this.sql.exec(
      `INSERT INTO slots (name, holder, project_id, expires_at, last_project, last_used_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, project_id = excluded.project_id,
         expires_at = excluded.expires_at, last_project = excluded.last_project, last_used_at = excluded.last_used_at`,
      slot, request.holder, request.projectId, now + this.leaseMs(), request.projectId, now,
    );
    this.sql.exec("DELETE FROM waiters WHERE project_id = ?", request.projectId);
    return { granted: true, slot };
  }

  private wait(request: SlotRequest, now: number, slots: number): SlotGrant {
    this.sql.exec(
      `INSERT INTO waiters (project_id, since, seen_at, slot) VALUES (?, ?, ?, ?)
       ON CONFLICT(project_id) DO UPDATE SET seen_at = excluded.seen_at, slot = excluded.slot`,
      request.projectId, now, now, request.slot,
    );
    const waiting = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM waiters").one().n;
    return { granted: false, slots, waiting };
  }
}
