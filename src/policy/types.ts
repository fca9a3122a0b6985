// The resume policy's vocabulary. Pure data: the Durable Object stores it, the functions in
// this folder compute with it (docs/policy.md explains the model).
import type { CacheTtl } from "../runner/protocol.ts";
import type { RequestKind } from "./request-kind.ts";

export type { CacheTtl } from "../runner/protocol.ts";

/** The runner protocol's TTLs (container/src/protocol.ts CacheTtl) as a plain list. */
export const CACHE_TTLS = ["5m", "1h"] as const satisfies readonly CacheTtl[];

/** SESSION_POLICY: choose by predicted cost (economic), resume whenever allowed (always), never resume (never). */
export const SESSION_POLICIES = ["economic", "always", "never"] as const;
export type SessionPolicy = (typeof SESSION_POLICIES)[number];

/**
 * The seed plan's rules' verdict (src/do/decision.ts Decision has this shape): resume this
 * session, or start fresh for a reason ("stale", "flag_off", …) with its detail.
 */
export type SeedVerdict = { resume: true; sessionId: string; reason: string } | { resume: false; reason: string; detail: string };

/** The four ways an update can start. */
export const PATH_OPTIONS = ["resume", "compact_resume", "handoff", "fresh"] as const;
export type PathOption = (typeof PATH_OPTIONS)[number];

/**
 * What the prompt cache holds for the head session, as of the head's last step: the prefix
 * the next resume sends again, when it was last written or read, and with which TTL.
 */
export interface PrefixState {
  sessionId: string;
  /** Prompt tokens of the head's last model call: the part a resume may read from the cache. */
  contextTokens: number;
  /** Tokens a resume sends on top that were never cached: the step's final answer. */
  tailTokens: number;
  /** When the prefix was last written or read (the end of the step). */
  usedAt: number;
  ttl: CacheTtl;
  /** False after a compaction: the compacted session's prefix has never been sent, so nothing is cached. */
  primed: boolean;
}

/** What a step does: model calls, tokens added to the context, output tokens. */
export interface Work {
  calls: number;
  growth: number;
  output: number;
}

/**
 * One update's step work, with what its request's text said (request-kind.ts) and the session
 * it ran in: `resumed` (had the history) or `new` (had to find its way), as observed. Samples
 * kept before kinds existed have neither and hold the request's own work (a resumed session's).
 */
export interface WorkSample extends Work {
  kind?: RequestKind;
  targets?: number | null;
  session?: "resumed" | "new";
}

/** A step's shape, learned per project. */
export interface StepShape extends Work {
  /** Observations behind the running estimate (0: still the prior). */
  seen: number;
}

/** The project's running estimates (learn.ts), kept by the Durable Object. */
export interface ProjectProfile {
  /**
   * The request's own work in the update step, as a session that has the history does it:
   * one entry per recent update of any option (a session without the history is observed
   * net of what it adds, profile.ts coldOverhead), newest last, at most WORK_HISTORY; each
   * with its request's kind, so a kind is predicted from its own.
   */
  work: WorkSample[];
  metadata: StepShape;
  /** Lean metadata steps that called the model, with the paths each described (targets), newest last, at most WORK_HISTORY. */
  metadataSamples: WorkSample[];
  /** A compaction's summary (output tokens) as a share of the history it summarised. */
  compactionRatio: { value: number; seen: number };
  /** Final answer of the metadata step, in tokens: the tail the next resume sends uncached. */
  metadataTail: { tokens: number; seen: number };
  /** Running mean of log(actual / predicted) cost and time per option: the model's per-project correction. */
  correction: Record<PathOption, { cost: number; time: number; seen: number }>;
  /** Size of the project's files (bytes) and how many there are, from the runner's last result. */
  workspaceBytes: number | null;
  fileCount: number | null;
}

export interface OptionPrediction {
  option: PathOption;
  /** False when the seed rules or the policy's caps rule it out; `why` says why. */
  allowed: boolean;
  why: string | null;
  costUsd: number;
  durationMs: number;
  /** Tokens the option writes to the cache (what a cold prefix costs). */
  cacheWriteTokens: number;
  cacheReadTokens: number;
}

/** The decision for one job, persisted before any step runs. */
export interface PolicyPlan {
  mode: SessionPolicy;
  option: PathOption;
  /** The session a resume or compaction starts from (the head); null for a new session. */
  sessionId: string | null;
  /** What a new session of this job is told (the handoff option, or a resume that falls back); null under always/never. */
  handoff: string | null;
  /** TTL of the job's last step: what the next update may still find in the cache. */
  cacheTtl: CacheTtl;
  /** The stored resume_reason. */
  reason: string;
  predictions: OptionPrediction[];
  /** Start context of the main step, as the prediction assumed it (learning compares with it). */
  mainStartTokens: number;
}
