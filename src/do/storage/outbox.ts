import type { PgWrite } from "../../db/repo/writes.ts";

interface OutboxRow extends Record<string, SqlStorageValue> {
  seq: number;
  op: string;
  payload: string;
  attempts: number;
  parent_waits: number;
}

/** Transient failures back off from this delay, doubling per failed attempt of the head write. */
const RETRY_BASE_MS = 5_000;
/** ...up to this: Postgres is retried at least every 5 minutes while writes wait. */
const RETRY_MAX_MS = 5 * 60_000;
/**
 * A write refused because a row another object sends is missing (main's project row, a
 * source version) is tried this many times before it goes to the dead letter: spaced by
 * the retry delay above, about an hour, while the other object's outbox retries at least
 * every 5 minutes on its own.
 */
export const MAX_PARENT_WAITS = 12;

/** The session id a write proves this project produced (versions and metrics are the proof). */
function sessionIdOf(write: PgWrite): string | null {
  if (write.op === "update_version") return write.patch.aiSessionId ?? null;
  if (write.op === "insert_metric") return write.row.sessionIdOut;
  return null;
}

// Postgres writes wait here, in the DO's own storage, until Postgres has them: a write
// is never lost to a Postgres outage or an eviction, and they land in order. A write
// Postgres refuses for good moves to the dead-letter table (kept here, with its error)
// so the writes after it go on.
export class OutboxStore {
  private readonly sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  push(write: PgWrite): void {
    this.sql.exec("INSERT INTO outbox (op, payload) VALUES (?, ?)", write.op, JSON.stringify(write));
  }

  pending(limit: number): { seq: number; write: PgWrite; parentWaits: number }[] {
    return this.sql
      .exec<OutboxRow>("SELECT seq, op, payload, attempts, parent_waits FROM outbox ORDER BY seq LIMIT ?", limit)
      .toArray()
      .map((row) => ({ seq: row.seq, write: JSON.parse(row.payload) as PgWrite, parentWaits: row.parent_waits }));
  }

  /** The write was refused for a row another object has not sent yet (see MAX_PARENT_WAITS). */
  waitingForParent(seq: number): void {
    this.sql.exec("UPDATE outbox SET parent_waits = parent_waits + 1 WHERE seq = ?", seq);
  }

  done(seq: number): void {
    this.sql.exec("DELETE FROM outbox WHERE seq = ?", seq);
  }

  failed(seq: number, error: string): void {
    this.sql.exec("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?", error.slice(0, 500), seq);
  }

  /** Moves a write Postgres refused for good out of the way, keeping it and the reason. */
  deadLetter(seq: number, write: PgWrite, sqlState: string | null, error: string, now: number): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO outbox_dead (seq, op, payload, sql_state, error, session_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      seq, write.op, JSON.stringify(write), sqlState, error.slice(0, 500), sessionIdOf(write), now,
    );
    this.done(seq);
  }

  /** True when a dead-lettered write carried the proof that this project produced `sessionId`. */
  proofDeadLettered(sessionId: string): boolean {
    return this.sql.exec("SELECT 1 FROM outbox_dead WHERE session_id = ? LIMIT 1", sessionId).toArray().length > 0;
  }

  size(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
  }

  deadLetters(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox_dead").one().n;
  }

  /** When to try Postgres again: exponential in the failed attempts of the write at the head. */
  retryDelayMs(): number {
    const head = this.sql.exec<{ attempts: number }>("SELECT attempts FROM outbox ORDER BY seq LIMIT 1").toArray()[0];
    const failures = Math.max(0, (head?.attempts ?? 1) - 1);
    return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(failures, 16));
  }
}
