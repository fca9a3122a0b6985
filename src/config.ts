// Typed view of the Worker's vars: parsed once per use so a bad value fails loudly.
export type CompactionPolicy = "always" | "threshold" | "never";

export interface ChainConfig {
  resumeEnabled: boolean;
  maxAgeMs: number;
  structuralChangeThreshold: number;
  compactionPolicy: CompactionPolicy;
  compactionThresholdTokens: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryBudgetMs: number;
  /** How long a resume may wait for the outbox to reach Postgres before its ownership check. */
  ownershipWaitMs: number;
}

export function num(raw: string, name: string, min: number): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`config ${name} must be a number >= ${min}, got "${raw}"`);
  return value;
}

function policy(raw: string): CompactionPolicy {
  if (raw === "always" || raw === "threshold" || raw === "never") return raw;
  throw new Error(`config COMPACTION_POLICY must be always|threshold|never, got "${raw}"`);
}

export function chainConfig(env: Env): ChainConfig {
  return {
    resumeEnabled: env.SESSION_RESUME_ENABLED.trim().toLowerCase() === "true",
    maxAgeMs: num(env.SESSION_MAX_AGE_HOURS, "SESSION_MAX_AGE_HOURS", 0) * 3_600_000,
    structuralChangeThreshold: num(env.SESSION_STRUCTURAL_CHANGE_THRESHOLD, "SESSION_STRUCTURAL_CHANGE_THRESHOLD", 0),
    compactionPolicy: policy(env.COMPACTION_POLICY),
    compactionThresholdTokens: num(env.COMPACTION_THRESHOLD_TOKENS, "COMPACTION_THRESHOLD_TOKENS", 0),
    maxAttempts: num(env.RUNNER_MAX_ATTEMPTS, "RUNNER_MAX_ATTEMPTS", 1),
    retryBaseMs: num(env.RUNNER_RETRY_BASE_MS, "RUNNER_RETRY_BASE_MS", 0),
    retryBudgetMs: num(env.RUNNER_RETRY_BUDGET_MS, "RUNNER_RETRY_BUDGET_MS", 0),
    ownershipWaitMs: num(env.OWNERSHIP_CHECK_WAIT_MS, "OWNERSHIP_CHECK_WAIT_MS", 0),
  };
}

/** What the Durable Object keeps, and for how long (Postgres keeps the full record). */
export interface RetentionConfig {
  jobRetentionMs: number;
  historyLimit: number;
}

export function retentionConfig(env: Env): RetentionConfig {
  return {
    jobRetentionMs: num(env.JOB_RETENTION_DAYS, "JOB_RETENTION_DAYS", 0) * 86_400_000,
    historyLimit: num(env.SESSION_HISTORY_LIMIT, "SESSION_HISTORY_LIMIT", 1),
  };
}

/**
 * How long a version is kept (ms): older ones are pruned unless pinned or a branch's head
 * (src/branches/retention.ts). 0 keeps every version.
 */
export function versionRetention(env: Env): number {
  return num(env.VERSION_RETENTION_DAYS, "VERSION_RETENTION_DAYS", 0) * 86_400_000;
}

export interface StreamConfig {
  maxDurationMs: number;
  maxPerUser: number;
}

export function streamConfig(env: Env): StreamConfig {
  return {
    maxDurationMs: num(env.SSE_MAX_STREAM_SECONDS, "SSE_MAX_STREAM_SECONDS", 1) * 1000,
    maxPerUser: num(env.SSE_MAX_STREAMS_PER_USER, "SSE_MAX_STREAMS_PER_USER", 1),
  };
}

/** Runner slots: containers that may run jobs at once (= [[containers]] max_instances). */
export function runnerSlots(env: Env): number {
  return Math.floor(num(env.RUNNER_SLOTS, "RUNNER_SLOTS", 1));
}
/** How long-running jobs are driven across alarm invocations. */
export interface JobLimits {
  /** One alarm invocation works this long, then hands over to the next (Cloudflare ends one at 15 min). */
  invocationBudgetMs: number;
  /** Invocations that ended without progress before the job fails. */
  maxInterruptions: number;
  /** Longest one runner call (a blob included) may take. */
  runnerCallTimeoutMs: number;
  /** If a job's invocation dies unnoticed, the alarm set this far ahead picks the job up again. */
  watchdogMs: number;
  /**
   * A runner slot's lease without a heartbeat: longer than the watchdog, so the job's next
   * invocation (at the latest the watchdog's) finds its slot, where its run may be live, still its own.
   */
  slotLeaseMs: number;
}

/** The watchdog fires this long after an invocation's budget would have ended it. */
const WATCHDOG_MARGIN_MS = 2 * 60_000;
/** The lease outlives the watchdog by this much (a late alarm, the pool asked last). */
const LEASE_MARGIN_MS = 2 * 60_000;

export function jobLimits(env: Pick<Env, "JOB_INVOCATION_BUDGET_MS" | "JOB_MAX_INTERRUPTIONS" | "RUNNER_CALL_TIMEOUT_MS">): JobLimits {
  const invocationBudgetMs = num(env.JOB_INVOCATION_BUDGET_MS, "JOB_INVOCATION_BUDGET_MS", 1);
  const watchdogMs = invocationBudgetMs + WATCHDOG_MARGIN_MS;
  return {
    invocationBudgetMs,
    maxInterruptions: num(env.JOB_MAX_INTERRUPTIONS, "JOB_MAX_INTERRUPTIONS", 1),
    runnerCallTimeoutMs: num(env.RUNNER_CALL_TIMEOUT_MS, "RUNNER_CALL_TIMEOUT_MS", 1),
    watchdogMs,
    slotLeaseMs: watchdogMs + LEASE_MARGIN_MS,
  };
}
