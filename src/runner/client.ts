import type { ErrorEvent, Fingerprint, FinalEvent, ForkSessionResponse, LoggedEvent, ResultEvent, RunRequestInput, RunStatus, TreeManifest } from "./protocol.ts";

/** A failure of one run, classified so the DO can decide: retry, fall back, or give up. */
export type RunnerFailure = Omit<ErrorEvent, "type">;

export type RunOutcome = { ok: true; result: ResultEvent } | { ok: false; error: RunnerFailure };

/** A body with its length known up front: R2 (and FixedLengthStream) need the length. */
export interface SizedStream {
  body: ReadableStream<Uint8Array>;
  size: number;
}

/** How a transcript travels: whole, or as a delta from its parent's (docs/runner-protocol.md). */
export type TranscriptFormat = "full" | "delta";

/** A transcript export: the bytes sent, their format, and the size of the whole transcript. */
export interface TranscriptExport extends SizedStream {
  format: TranscriptFormat;
  transcriptBytes: number;
}

/** How following a run's events ended. */
export type FollowEnd =
  | { kind: "final"; final: FinalEvent }
  /** The caller's signal fired (its time is up) while the run was still going. */
  | { kind: "open" }
  /** The runner does not know the run (its disk was wiped, or it never arrived). */
  | { kind: "unknown" }
  /** The stream ended without a final event (connection cut): follow again. */
  | { kind: "broken"; message: string };

// What the ProjectDO needs from a Claude runner, whatever carries the bytes. Runs live on
// the runner apart from any connection; artifacts move as streams, never whole.
export interface RunnerClient {
  /** Starts the run, or returns it if a run with this id exists (never starts it twice). */
  startRun(request: RunRequestInput): Promise<RunStatus>;
  /** null when the runner does not know the run. */
  runStatus(runId: string): Promise<RunStatus | null>;
  /** Hands each event after `afterSeq` to `onEvent` until the final one or until `signal` fires. */
  followRun(runId: string, afterSeq: number, onEvent: (event: LoggedEvent) => void, signal: AbortSignal): Promise<FollowEnd>;
  cancelRun(runId: string): Promise<void>;

  hasSession(workspaceId: string, sessionId: string): Promise<boolean>;
  /** The transcript; as a delta from `base`'s when the runner has `base` and that is smaller. */
  openTranscript(workspaceId: string, sessionId: string, base?: string | null): Promise<TranscriptExport | null>;
  /** A delta's parent must be in the workspace already. */
  putTranscript(workspaceId: string, sessionId: string, transcript: SizedStream, format?: TranscriptFormat): Promise<void>;
  /** Copies the session under a new id (paths moved to this workspace); no model call. */
  forkSession(workspaceId: string, sessionId: string): Promise<ForkSessionResponse>;

  workspace(workspaceId: string): Promise<Fingerprint>;
  tree(workspaceId: string): Promise<TreeManifest>;
  openBlob(workspaceId: string, sha256: string): Promise<SizedStream>;
  missingBlobs(workspaceId: string, sha256: readonly string[]): Promise<string[]>;
  putBlob(workspaceId: string, sha256: string, blob: SizedStream): Promise<void>;
  /** Makes the workspace exactly `manifest` from blobs the runner has; returns its fingerprint. */
  importTree(workspaceId: string, manifest: TreeManifest): Promise<Fingerprint>;
}

/** A runner call that did not succeed: unreachable, timed out, or an error answer. */
export class RunnerUnavailableError extends Error {
  readonly retryable: boolean;
  /** The HTTP status and error code of the answer; null when there was no answer. */
  readonly status: number | null;
  readonly code: string | null;
  constructor(message: string, retryable: boolean, answer: { status: number; code: string | null } | null = null) {
    super(message);
    this.name = "RunnerUnavailableError";
    this.retryable = retryable;
    this.status = answer?.status ?? null;
    this.code = answer?.code ?? null;
  }
}
