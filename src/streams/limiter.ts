import { DurableObject } from "cloudflare:workers";
import { applyMigrations } from "../do/storage/schema.ts";

const MIGRATIONS: readonly string[] = ["CREATE TABLE leases (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)"];

// One per user (named by the user id): the user's open event streams, as leases that
// expire unless renewed. Every Worker isolate asks the same object, so the cap holds
// across isolates; a stream whose isolate died stops renewing and its lease lapses.
export class StreamLimiter extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => applyMigrations(this.sql, MIGRATIONS));
  }

  /** Takes a lease when fewer than `max` are live; false otherwise. */
  async acquire(leaseId: string, max: number, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    this.sql.exec("DELETE FROM leases WHERE expires_at <= ?", now);
    const live = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM leases").one().n;
    if (live >= max) return false;
    this.sql.exec("INSERT OR REPLACE INTO leases (id, expires_at) VALUES (?, ?)", leaseId, now + ttlMs);
    return true;
  }

  /** False when the lease had lapsed (the stream should end; the client reconnects). */
  async renew(leaseId: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    return this.sql.exec("UPDATE leases SET expires_at = ? WHERE id = ? AND expires_at > ?", now + ttlMs, leaseId, now).rowsWritten > 0;
  }

  async release(leaseId: string): Promise<void> {
    this.sql.exec("DELETE FROM leases WHERE id = ?", leaseId);
  }
}
