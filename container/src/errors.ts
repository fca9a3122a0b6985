// Error types and the rules that map engine outcomes to protocol error codes.
import type { ErrorEvent, HttpErrorCode, RunErrorCode, TranscriptFinding } from "./protocol.ts";

/** An error answered with the JSON envelope before any stream starts. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: HttpErrorCode;
  constructor(status: number, code: HttpErrorCode, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A run failure, reported as the final `error` event of the stream. */
export class RunFailure extends Error {
  readonly code: RunErrorCode;
  readonly retryable: boolean;
  readonly sessionId: string | null;
  readonly findings: TranscriptFinding[] | null;
  constructor(code: RunErrorCode, message: string, opts: { retryable?: boolean; sessionId?: string | null; findings?: TranscriptFinding[] } = {}) {
    super(message);
    this.code = code;
    this.retryable = opts.retryable ?? code === "overloaded";
    this.sessionId = opts.sessionId ?? null;
    this.findings = opts.findings ?? null;
  }

  toEvent(): ErrorEvent {
    const event: ErrorEvent = { type: "error", code: this.code, message: this.message, retryable: this.retryable, sessionId: this.sessionId };
    return this.findings === null ? event : { ...event, findings: this.findings };
  }
}

export const NO_CONVERSATION = "No conversation found with session ID";
export const COMPACTION_ERROR_PREFIX = "Error during compaction:";

/** HTTP statuses of the model API that are worth retrying later. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 529 || status >= 500;
}

// The engine words transport failures as "API Error: Connection refused … (ECONNREFUSED)",
// "Request timed out", "Overloaded", etc.; these say the model API was unreachable or busy.
const TRANSIENT_TEXT =
  /\b(overloaded|rate[ _-]?limit|too many requests|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EPIPE|socket hang up|connection (?:refused|reset|error|closed)|fetch failed|timed? ?out|network error|server error|service unavailable|bad gateway|gateway timeout|(?:API Error|status|error)[: ]+(?:429|5\d\d))\b/i;

/** Assistant-message error kinds (SDKAssistantMessageError) that mean "try again later". */
const TRANSIENT_ASSISTANT_ERRORS = new Set(["rate_limit", "overloaded", "server_error"]);

export function isTransientText(text: string): boolean {
  return TRANSIENT_TEXT.test(text);
}

export function isTransientAssistantError(kind: string | undefined): boolean {
  return kind !== undefined && TRANSIENT_ASSISTANT_ERRORS.has(kind);
}

/** One line, bounded, no stack: engine texts may be long and must not leak internals. */
export function publicMessage(text: string, fallback = "engine error"): string {
  const first = text.split("\n").find((line) => line.trim() !== "")?.trim() ?? "";
  if (first === "") return fallback;
  return first.length > 500 ? `${first.slice(0, 497)}...` : first;
}

/** The numeric HTTP status of a thrown API error (Anthropic SDK errors carry `status`). */
export function statusOf(err: unknown): number | null {
  if (typeof err === "object" && err !== null && "status" in err) {
    const status = (err as { status: unknown }).status;
    if (typeof status === "number" && Number.isInteger(status)) return status;
  }
  return null;
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "string") return err;
  return "unknown error";
}
