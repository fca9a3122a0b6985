import type { PgWrite } from "../../db/repo/writes.ts";

interface OutboxRow extends Record<string, SqlStorageValue> {
  seq: number;
  op: string;
  payload: string;
}

// Postgres writes wait here, in the DO's own storage, until Postgres has them: a write
// is never lost to a Postgres outage or an eviction, and they land in order.
export class OutboxStore {
  private readonly sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  push(write: PgWrite): void {
    this.sql.exec("INSERT INTO outbox (op, payload) VALUES (?, ?)", write.op, JSON.stringify(write));
  }

  pending(limit: number): { seq: number; write: PgWrite }[] {
    return this.sql
      .exec<OutboxRow>("SELECT seq, op, payload FROM outbox ORDER BY seq LIMIT ?", limit)
      .toArray()
      .map((row) => ({ seq: row.seq, write: JSON.parse(row.payload) as PgWrite }));
  }

  done(seq: number): void {
    this.sql.exec("DELETE FROM outbox WHERE seq = ?", seq);
  }

  failed(seq: number, error: string): void {
    this.sql.exec("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?", error.slice(0, 500), seq);
  }

  size(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
  }
}
