import type { Operation } from "../../domain/views.ts";

interface RunRow extends Record<string, SqlStorageValue> {
  job_id: string;
  run_id: string;
  step: string;
  session_in: string | null;
  attempt: number;
  acknowledged: number;
  event_offset: number;
  final_seen: number;
}

/** The runner run a job is following: stored before the run is asked for, so any later invocation finds it. */
export interface ActiveRun {
  runId: string;
  step: Operation;
  sessionIn: string | null;
  /** Attempt of this step's current call (1, 2, …), for the retry policy. */
  attempt: number;
  /** The runner answered the start: the run exists there (or existed, if it is lost now). */
  acknowledged: boolean;
  /** Sequence number of the last progress event taken from the run's log. */
  offset: number;
  /** The run's final event was seen once (re-reading it is not progress). */
  finalSeen: boolean;
}

// At most one run per job: its id and how far its event log was read. A row lives from
// just before the run is started until the step's outcome is recorded.
export class RunStore {
  private readonly sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  get(jobId: string): ActiveRun | null {
    const row = this.sql.exec<RunRow>("SELECT * FROM job_runs WHERE job_id = ?", jobId).toArray()[0];
    if (row === undefined) return null;
    return {
      runId: row.run_id,
      step: row.step as Operation,
      sessionIn: row.session_in,
      attempt: row.attempt,
      acknowledged: row.acknowledged === 1,
      offset: row.event_offset,
      finalSeen: row.final_seen === 1,
    };
  }

  /** Replaces the job's run with a new one that has not been started yet. */
  set(jobId: string, run: Pick<ActiveRun, "runId" | "step" | "sessionIn" | "attempt">): void {
    this.sql.exec(
      `INSERT INTO job_runs (job_id, run_id, step, session_in, attempt) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(job_id) DO UPDATE SET run_id = excluded.run_id, step = excluded.step, session_in = excluded.session_in,
         attempt = excluded.attempt, acknowledged = 0, event_offset = 0, final_seen = 0`,
      jobId, run.runId, run.step, run.sessionIn, run.attempt,
    );
  }

  acknowledge(jobId: string): void {
    this.sql.exec("UPDATE job_runs SET acknowledged = 1 WHERE job_id = ?", jobId);
  }

  advance(jobId: string, offset: number): void {
    this.sql.exec("UPDATE job_runs SET event_offset = MAX(event_offset, ?) WHERE job_id = ?", offset, jobId);
  }

  /** Marks the final event seen; true the first time. */
  sawFinal(jobId: string): boolean {
    return this.sql.exec("UPDATE job_runs SET final_seen = 1 WHERE job_id = ? AND final_seen = 0 RETURNING job_id", jobId).toArray().length > 0;
  }

  clear(jobId: string): void {
    this.sql.exec("DELETE FROM job_runs WHERE job_id = ?", jobId);
  }
}
