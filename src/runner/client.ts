import type { ErrorEvent, Fingerprint, ResultEvent, RunEvent, RunRequestInput, SnapshotPutRequest } from "./protocol.ts";

/** A failure of one call, classified so the DO can decide: retry, fall back, or give up. */
export type RunnerFailure = Omit<ErrorEvent, "type">;

export type RunOutcome = { ok: true; result: ResultEvent } | { ok: false; error: RunnerFailure };

export type ProgressListener = (event: Exclude<RunEvent, ResultEvent | ErrorEvent>) => void;

// What the ProjectDO needs from a Claude runner, whatever carries the bytes.
export interface RunnerClient {
  run(request: RunRequestInput, onProgress: ProgressListener): Promise<RunOutcome>;
  hasSession(projectId: string, sessionId: string): Promise<boolean>;
  exportTranscript(projectId: string, sessionId: string): Promise<string | null>;
  importTranscript(projectId: string, sessionId: string, jsonl: string): Promise<void>;
  workspace(projectId: string): Promise<Fingerprint>;
  exportSnapshot(projectId: string): Promise<SnapshotPutRequest>;
  importSnapshot(projectId: string, snapshot: SnapshotPutRequest): Promise<Fingerprint>;
}

/** A transport failure of a non-run call (runner down, 5xx, unexpected answer). */
export class RunnerUnavailableError extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.name = "RunnerUnavailableError";
    this.retryable = retryable;
  }
}
