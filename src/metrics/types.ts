// The shape of one metrics report: what GET /v1/metrics returns as JSON and what
// GET /metrics renders as Prometheus text. Plain data, built in report.ts.
import type { ResumeOutcome } from "../db/schema.ts";

/** Whose data: one owner's projects, or every project (admin token, Prometheus). */
export type MetricsScope = { kind: "owner"; userId: string } | { kind: "all" };

export interface Distribution {
  mean: number | null;
  p50: number | null;
  p95: number | null;
  sum: number;
}

/** Succeeded updates made in one mode (resumed or fresh). */
export interface UpdateModeStats {
  count: number;
  costUsd: Distribution;
  durationMs: Distribution;
  /** Mean tokens per update, split as the API bills them. */
  meanTokens: { input: number | null; cacheCreation: number | null; cacheRead: number | null; output: number | null };
}

export interface HistogramBucket {
  /** Upper bound (inclusive), in the histogram's unit; the last bucket is +Inf (null). */
  le: number | null;
  /** Cumulative count of observations <= le. */
  count: number;
}

export interface Histogram {
  buckets: HistogramBucket[];
  sum: number;
  count: number;
}

export interface CountByKey {
  key: string;
  count: number;
}

export interface MetricsReport {
  scope: "owner" | "all";
  generatedAt: string;
  projects: number;
  resume: {
    attempts: Record<ResumeOutcome, number>;
    /** Attempts that actually tried to resume (every outcome but stale and skipped). */
    tried: number;
    /** resumed + forked. */
    succeeded: number;
    /** succeeded / tried; null before the first try. */
    successRate: number | null;
    /** Updates that ran in a new session, by reason (decision or fallback). */
    fallbacks: CountByKey[];
  };
  /** Failed versions by error code. */
  failures: CountByKey[];
  updates: { resumed: UpdateModeStats; fresh: UpdateModeStats };
  /** Seconds between the session's last use and the update that resumed it. */
  sessionAgeAtResumeSeconds: Histogram;
  sessionIdChanges: {
    /** Operations that started from a session (session_id_in set). */
    resumedOperations: number;
    /** Of those, how many came back with another id (fork or engine-side change). */
    changed: number;
    rate: number | null;
  };
  queue: { queued: number; running: number };
  /** Tool calls the runner refused before they ran, over every recorded operation. */
  refusedToolCalls: number;
  /** Prompt-cache tokens written (or left uncached) that the cache should have served, by the cause the model proxy found. */
  cacheMissTokens: CountByKey[];
  /** Outbox writes Postgres refused for good (each Durable Object keeps them in its dead letter). */
  deadLetters: { total: number; byOp: CountByKey[] };
  transcriptStorage: { bytes: number; objects: number };
  /** The resume policy: its choices, the cache TTLs it asked for, and its prediction error. */
  policy: {
    /** Succeeded updates by the option chosen (resume, compact_resume, handoff, fresh). */
    choices: CountByKey[];
    /** Succeeded updates by the TTL their last step asked for. */
    cacheTtl: CountByKey[];
    /** |actual - predicted| / actual of the updates whose path ran as planned. */
    predictionError: { count: number; median: number | null; p90: number | null };
  };
}
