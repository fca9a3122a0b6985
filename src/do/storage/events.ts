import type { JobEvent } from "../../domain/views.ts";

interface EventRow extends Record<string, SqlStorageValue> {
  id: number;
  job_id: string;
  type: string;
  data: string;
  at: number;
}


// Append-only log of a job's progress; ids are monotonic so SSE clients resume with Last-Event-ID.
export class EventStore {
  private readonly sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  append(jobId: string, type: string, data: Record<string, unknown>, now: number): number {
    const row = this.sql.exec<{ id: number }>(
      "INSERT INTO job_events (job_id, type, data, at) VALUES (?, ?, ?, ?) RETURNING id",
      jobId, type, JSON.stringify(data), now,
    ).one();
    return row.id;
  }

  after(jobId: string, afterId: number, limit: number): JobEvent[] {
    return this.sql
      .exec<EventRow>("SELECT * FROM job_events WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?", jobId, afterId, limit)
      .toArray()
      .map((row) => ({
        id: row.id,
        jobId: row.job_id,
        type: row.type,
        data: row.data,
        at: new Date(row.at).toISOString(),
      }));
  }
}
