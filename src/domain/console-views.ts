// Shapes of the read routes written for the web console (and anyone else): the caller's
// projects, a project's operations and audit trail, and per-update metrics over time.
// Plain JSON data; the routes' zod schemas describe the same shapes for OpenAPI.
import type { PathOption } from "../policy/types.ts";
import type { CacheReport } from "../runner/protocol.ts";
import type { ChainOperation, Usage } from "./views.ts";

export interface ProjectSummary {
  id: string;
  name: string;
  createdAt: string;
  /** Per-project override of the resume flag; null follows the global flag. */
  resumeOverride: boolean | null;
  latestVersion: {
    number: number;
    kind: string;
    status: string;
    resumeDecision: string | null;
    resumeReason: string | null;
    createdAt: string;
    completedAt: string | null;
  } | null;
  /** Versions waiting or being worked on, as Postgres sees them (it follows the DO's queue). */
  queue: { queued: number; running: number };
  /** Resume attempts of this project: tried (all but stale/skipped) and succeeded (resumed/forked). */
  resume: { tried: number; succeeded: number; successRate: number | null };
  /** Sum of every version's cost so far, failed ones included (their steps were billed). */
  costUsd: number;
  versions: number;
}

export interface ProjectPage {
  projects: ProjectSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** One Claude operation (a row of project_ai_session_metrics). */
export interface OperationRecord extends Usage {
  id: number;
  versionNumber: number;
  /** The branch of the operation's version. */
  branch: string;
  operation: ChainOperation;
  sessionIdIn: string | null;
  sessionIdOut: string | null;
  numTurns: number;
  toolCalls: number;
  filesRead: number;
  /** What the model proxy saw of the prompt cache; null for steps of older runners. */
  cache: CacheReport | null;
  /** cacheNote(cache): the step's resumed history written again, in words; null when not. */
  cacheNote: string | null;
  at: string;
}

/** One row of the resume audit trail (session_resume_attempts), without internal error text. */
export interface AttemptRecord {
  id: number;
  versionNumber: number | null;
  outcome: string;
  reason: string;
  requestedSessionId: string | null;
  returnedSessionId: string | null;
  attemptNumber: number;
  at: string;
}

export interface ProjectActivity {
  operations: OperationRecord[];
  attempts: AttemptRecord[];
}

/** One succeeded update, for charts of cost and time over time. */
export interface UpdatePoint {
  projectId: string;
  projectName: string;
  versionNumber: number;
  completedAt: string;
  /** The version's final mode: an update whose resume fell back counts as fresh. */
  mode: "resumed" | "fresh";
  /** The stored resume reason ("resumable", "stale: …", "fallback:session_not_found", …). */
  reason: string | null;
  costUsd: number;
  durationMs: number;
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
  /** Seconds between the resumed session's last use and this update; null when fresh. */
  sessionAgeSeconds: number | null;
  /** The resume policy's choice and its predicted cost (null before the policy, or for a path that did not run as planned). */
  policyChoice: PathOption | null;
  predictedCostUsd: number | null;
}

export interface UpdateSeries {
  scope: "owner" | "all";
  /** Oldest first; the latest `limit` updates. */
  updates: UpdatePoint[];
}
