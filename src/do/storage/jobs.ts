import type { ChainOperation, JobStatus, JobView, ResumeDecisionKind, Usage, VersionKind } from "../../domain/views.ts";
import { isoOrNull, zeroUsage } from "../../domain/views.ts";

interface JobRow extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  version_id: string;
  version_number: number;
  kind: string;
  prompt: string;
  user_id: string;
  status: string;
  step: string | null;
  idempotency_key: string | null;
  prompt_hash: string;
  resume_decision: string | null;
  resume_reason: string | null;
  session_in: string | null;
  session_out: string | null;
  totals: string;
  warnings: string;
  done_steps: string;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  progress: number;
  interruptions: number;
  invocation_progress: number | null;
  runs_started: number;
  context_tokens: number | null;
  runner_slot: string | null;
  waiting_since: number | null;
  source: string | null;
}

/** What a restore or a branch's first version starts from: an earlier version's tree and session. */
export interface ForkSource {
  versionNumber: number;
  branch: string;
  treeHash: string;
  sessionId: string;
}

/** How a job stands across alarm invocations (see src/do/interruptions.ts). */
export interface InvocationState {
  /** Grows whenever the job's durable state moves forward. */
  progress: number;
  interruptions: number;
  /** `progress` when the invocation working on the job began; null when none is. */
  invocationProgress: number | null;
}

export interface JobRecord {
  seq: number;
  id: string;
  versionId: string;
  versionNumber: number;
  kind: VersionKind;
  prompt: string;
  userId: string;
  status: JobStatus;
  idempotencyKey: string | null;
  promptHash: string;
  doneSteps: ChainOperation[];
  totals: Usage;
  warnings: string[];
  /** The runner slot the job was given; it keeps it for its whole life (a run may be live there). */
  runnerSlot: string | null;
  /** Context size after the job's last recorded step (the compaction policy's input). */
  contextTokens: number | null;
  /** restore and branch jobs: the version they start from. */
  source: ForkSource | null;
}

export type NewJob = Pick<JobRecord, "id" | "versionId" | "versionNumber" | "kind" | "prompt" | "userId" | "idempotencyKey" | "promptHash"> & { source?: ForkSource | null };

/** Jobs not finished yet, in the order they run. */
const OPEN = "('queued','waiting_for_runner','running')";

// The FIFO queue of jobs. A job is `running` from the moment the alarm picks it until it
// finishes, so a restart finds it and carries on instead of losing it. The job at the
// front may wait for a runner slot first (`waiting_for_runner`).
export class JobStore {
  private readonly sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  insert(job: NewJob, now: number): void {
    this.sql.exec(
      `INSERT INTO jobs (id, version_id, version_number, kind, prompt, user_id, status, idempotency_key, prompt_hash, totals, created_at, source)
       VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
      job.id, job.versionId, job.versionNumber, job.kind, job.prompt, job.userId,
      job.idempotencyKey, job.promptHash, JSON.stringify(zeroUsage()), now, job.source === undefined || job.source === null ? null : JSON.stringify(job.source),
    );
  }

  private row(where: string, ...args: SqlStorageValue[]): JobRow | undefined {
    return this.sql.exec<JobRow>(`SELECT * FROM jobs WHERE ${where} LIMIT 1`, ...args).toArray()[0];
  }

  byId(id: string): JobRecord | null {
    const row = this.row("id = ?", id);
    return row ? record(row) : null;
  }

  byVersionNumber(versionNumber: number): JobRecord | null {
    const row = this.row("version_number = ?", versionNumber);
    return row ? record(row) : null;
  }

  byIdempotencyKey(key: string): JobRecord | null {
    const row = this.row("idempotency_key = ?", key);
    return row ? record(row) : null;
  }

  /** The job to work on: one left running by an interrupted alarm, else the oldest queued. */
  next(): JobRecord | null {
    const row = this.row("status = 'running' ORDER BY seq") ?? this.row("status IN ('waiting_for_runner','queued') ORDER BY seq");
    return row ? record(row) : null;
  }

  /** True when a job waits for a runner slot. */
  hasWaiting(): boolean {
    return this.row("status = 'waiting_for_runner'") !== undefined;
  }

  view(id: string, projectId: string, branch: string): JobView | null {
    const row = this.row("id = ?", id);
    return row ? this.toView(row, projectId, branch) : null;
  }

  /** Versions open restore or branch jobs start from: retention must keep them. */
  openSources(): ForkSource[] {
    return this.sql
      .exec<{ source: string }>(`SELECT source FROM jobs WHERE status IN ${OPEN} AND source IS NOT NULL`)
      .toArray()
      .map((row) => JSON.parse(row.source) as ForkSource);
  }

  counts(): { queued: number; waitingForRunner: number; running: number } {
    const rows = this.sql.exec<{ status: string; n: number }>(
      `SELECT status, COUNT(*) AS n FROM jobs WHERE status IN ${OPEN} GROUP BY status`,
    ).toArray();
    const n = (status: JobStatus): number => rows.find((r) => r.status === status)?.n ?? 0;
    return { queued: n("queued"), waitingForRunner: n("waiting_for_runner"), running: n("running") };
  }

  markRunning(id: string, now: number): void {
    this.sql.exec("UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ?), waiting_since = NULL WHERE id = ?", now, id);
  }

  /**
   * No runner slot is free: a queued job shows `waiting_for_runner` (a job already running,
   * interrupted, keeps `running` while it waits for its own slot). Returns since when it waits.
   */
  markWaiting(id: string, now: number): number {
    const row = this.sql.exec<{ waiting_since: number }>(
      `UPDATE jobs SET status = CASE WHEN status = 'queued' THEN 'waiting_for_runner' ELSE status END,
         waiting_since = COALESCE(waiting_since, ?) WHERE id = ? RETURNING waiting_since`,
      now, id,
    ).one();
    return row.waiting_since;
  }

  setRunnerSlot(id: string, slot: string): void {
    this.sql.exec("UPDATE jobs SET runner_slot = ? WHERE id = ?", slot, id);
  }

  /** Retention: finished jobs (and their events) older than `before` leave the DO. */
  pruneFinished(before: number): number {
    this.sql.exec("DELETE FROM job_events WHERE job_id IN (SELECT id FROM jobs WHERE finished_at < ?)", before);
    return this.sql.exec("DELETE FROM jobs WHERE finished_at < ?", before).rowsWritten;
  }

  setStep(id: string, step: ChainOperation | null): void {
    this.sql.exec("UPDATE jobs SET step = ? WHERE id = ?", step, id);
  }

  setDecision(id: string, decision: ResumeDecisionKind, reason: string, sessionIn: string | null): void {
    this.sql.exec("UPDATE jobs SET resume_decision = ?, resume_reason = ?, session_in = ? WHERE id = ?", decision, reason, sessionIn, id);
  }

  recordStep(id: string, step: ChainOperation, sessionOut: string | null, totals: Usage): void {
    const row = this.row("id = ?", id);
    if (!row) return;
    const done = JSON.parse(row.done_steps) as ChainOperation[];
    if (!done.includes(step)) done.push(step);
    this.sql.exec(
      "UPDATE jobs SET done_steps = ?, session_out = COALESCE(?, session_out), totals = ? WHERE id = ?",
      JSON.stringify(done), sessionOut, JSON.stringify(totals), id,
    );
  }

  setContextTokens(id: string, tokens: number): void {
    this.sql.exec("UPDATE jobs SET context_tokens = ? WHERE id = ?", tokens, id);
  }

  addWarning(id: string, warning: string): void {
    const row = this.row("id = ?", id);
    if (!row) return;
    const warnings = JSON.parse(row.warnings) as string[];
    warnings.push(warning);
    this.sql.exec("UPDATE jobs SET warnings = ? WHERE id = ?", JSON.stringify(warnings), id);
  }

  invocation(id: string): InvocationState | null {
    const row = this.row("id = ?", id);
    return row ? { progress: row.progress, interruptions: row.interruptions, invocationProgress: row.invocation_progress } : null;
  }

  /** `progress` at the start of the invocation now working on the job, or null when it ends. */
  setInvocation(id: string, progressAtStart: number | null): void {
    this.sql.exec("UPDATE jobs SET invocation_progress = ? WHERE id = ?", progressAtStart, id);
  }

  addInterruption(id: string): number {
    return this.sql.exec<{ interruptions: number }>("UPDATE jobs SET interruptions = interruptions + 1 WHERE id = ? RETURNING interruptions", id).one().interruptions;
  }

  bumpProgress(id: string): void {
    this.sql.exec("UPDATE jobs SET progress = progress + 1 WHERE id = ?", id);
  }

  /** A number for the job's next runner run, unique within the job: run ids never repeat. */
  takeRunNumber(id: string): number {
    return this.sql.exec<{ runs_started: number }>("UPDATE jobs SET runs_started = runs_started + 1 WHERE id = ? RETURNING runs_started", id).one().runs_started;
  }

  finish(id: string, status: "succeeded" | "failed", now: number, error: { code: string; message: string } | null): void {
    this.sql.exec(
      "UPDATE jobs SET status = ?, step = NULL, finished_at = ?, error_code = ?, error_message = ? WHERE id = ?",
      status, now, error?.code ?? null, error?.message ?? null, id,
    );
  }

  private position(row: JobRow): number | null {
    if (row.status === "succeeded" || row.status === "failed") return null;
    if (row.status === "running") return 1;
    const ahead = this.sql.exec<{ n: number }>(
      `SELECT COUNT(*) AS n FROM jobs WHERE status IN ${OPEN} AND seq < ?`, row.seq,
    ).one();
    return ahead.n + 1;
  }

  private toView(row: JobRow, projectId: string, branch: string): JobView {
    const rec = record(row);
    return {
      id: row.id,
      projectId,
      branch,
      versionId: row.version_id,
      versionNumber: row.version_number,
      kind: rec.kind,
      status: rec.status,
      position: this.position(row),
      step: (row.step as ChainOperation | null) ?? null,
      resume: row.resume_decision === null ? null : { decision: row.resume_decision as ResumeDecisionKind, reason: row.resume_reason ?? "" },
      sessionIdIn: row.session_in,
      sessionIdOut: row.session_out,
      totals: rec.totals,
      warnings: rec.warnings,
      error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? "" },
      createdAt: new Date(row.created_at).toISOString(),
      startedAt: isoOrNull(row.started_at),
      finishedAt: isoOrNull(row.finished_at),
    };
  }
}

function record(row: JobRow): JobRecord {
  return {
    seq: row.seq,
    id: row.id,
    versionId: row.version_id,
    versionNumber: row.version_number,
    kind: row.kind as VersionKind,
    prompt: row.prompt,
    userId: row.user_id,
    status: row.status as JobStatus,
    idempotencyKey: row.idempotency_key,
    promptHash: row.prompt_hash,
    doneSteps: JSON.parse(row.done_steps) as ChainOperation[],
    totals: JSON.parse(row.totals) as Usage,
    warnings: JSON.parse(row.warnings) as string[],
    runnerSlot: row.runner_slot,
    contextTokens: row.context_tokens,
    source: row.source === null ? null : (JSON.parse(row.source) as ForkSource),
  };
}
