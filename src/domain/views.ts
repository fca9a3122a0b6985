// Shapes the Durable Object returns over RPC and the API serialises as JSON.
import type { CacheTtl, OptionPrediction, PathOption, SessionPolicy } from "../policy/types.ts";
/** waiting_for_runner: next in its queue, waiting for a free runner slot (capacity). */
export type JobStatus = "queued" | "waiting_for_runner" | "running" | "succeeded" | "failed";
/** restore: a version that is an earlier one again; branch: the first version of a branch. */
export type VersionKind = "create" | "update" | "restore" | "branch";
export type Operation = "build" | "update" | "metadata" | "compact";
/** What made a link of the chain: a runner operation, or a fork by a restore or a new branch. */
export type ChainOperation = Operation | "restore" | "branch";
export type ResumeDecisionKind = "resume" | "fresh";

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
  costUsd: number;
  durationMs: number;
}

export interface JobView {
  id: string;
  projectId: string;
  branch: string;
  versionId: string;
  versionNumber: number;
  kind: VersionKind;
  status: JobStatus;
  /** 1 = running or next to run; null once finished. */
  position: number | null;
  step: ChainOperation | null;
  resume: { decision: ResumeDecisionKind; reason: string } | null;
  sessionIdIn: string | null;
  sessionIdOut: string | null;
  totals: Usage;
  warnings: string[];
  error: { code: string; message: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ProjectView {
  id: string;
  name: string;
  /** The branch this view is of ("main" for the project itself). */
  branch: string;
  ownerUserId: string;
  resumeOverride: boolean | null;
  /** The project's own SESSION_POLICY; null follows the deployment's. */
  sessionPolicy: SessionPolicy | null;
  latestVersionNumber: number;
  createdAt: string;
}

export interface ChainLink {
  sessionId: string;
  parentSessionId: string | null;
  versionNumber: number;
  operation: ChainOperation;
  /** restored: the session of an earlier version, forked (a restore); branched: a branch's first session. */
  relation: ChainRelation;
  at: string;
}

export type ChainRelation = "new" | "resumed" | "forked" | "restored" | "branched";

export interface SessionView {
  projectId: string;
  branch: string;
  headSessionId: string | null;
  headVersionNumber: number | null;
  createdAt: string | null;
  lastUsedAt: string | null;
  ageSeconds: number | null;
  resumable: boolean;
  failureCount: number;
  generation: number;
  resetPending: boolean;
  /** One page of the history, oldest first. */
  history: ChainLink[];
  /** Position after this page (the router turns it into an opaque cursor); null at the end. */
  historyNext: number | null;
}

export interface JobEvent {
  id: number;
  jobId: string;
  type: string;
  /** The event's JSON object, as text (sent as the SSE data line). */
  data: string;
  at: string;
}

/** The resume policy's record on a version: its choice, every option's prediction, and what the job then cost. */
export interface VersionPolicy {
  choice: PathOption;
  /** Only for updates (a create's build is not predicted). */
  predictions: OptionPrediction[];
  predictedCostUsd: number | null;
  predictedDurationMs: number | null;
  /** null until the job is done, or when the chosen path did not run as planned. */
  actualCostUsd: number | null;
  actualDurationMs: number | null;
  /** The TTL the job's last step asked for. */
  cacheTtl: CacheTtl | null;
}

export interface VersionView {
  id: string;
  versionNumber: number;
  branch: string;
  /** A restore: the version it restored. */
  restoredFrom: number | null;
  pinned: boolean;
  /** When retention pruned it (its files and session are gone); null while it is kept. */
  prunedAt: string | null;
  kind: string;
  status: string;
  prompt: string;
  jobId: string;
  aiSessionId: string | null;
  aiSessionCreatedAt: string | null;
  aiSessionLastUsedAt: string | null;
  resumeDecision: string | null;
  resumeReason: string | null;
  /** The build/update step's resumed history written to the prompt cache again, in words ("history written again: cache expired 12 min after its 5-minute write (3,144 tokens)"); null when read or unknown. */
  cacheNote: string | null;
  recommendations: string[] | null;
  documentation: string | null;
  /** The version whose metadata step wrote the documentation (this one, or the predecessor it was carried from); null when unknown. */
  documentationFromVersion: number | null;
  /** null for versions made before the resume policy existed. */
  policy: VersionPolicy | null;
  usage: Usage;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface Accepted {
  project: ProjectView;
  branch: string;
  job: JobView;
  version: { id: string; number: number };
  replayed: boolean;
}

/** Epoch milliseconds from storage as the ISO text the API shows; null stays null. */
export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function zeroUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, costUsd: 0, durationMs: 0 };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheCreationInputTokens: a.cacheCreationInputTokens + b.cacheCreationInputTokens,
    cacheReadInputTokens: a.cacheReadInputTokens + b.cacheReadInputTokens,
    costUsd: Math.round((a.costUsd + b.costUsd) * 1e6) / 1e6,
    durationMs: a.durationMs + b.durationMs,
  };
}
