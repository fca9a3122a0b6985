// Maps what the engine did (its final result message, or what it threw) to success or a
// protocol error. Kept free of SDK types so every rule can be tested on plain data.
import {
  COMPACTION_ERROR_PREFIX,
  isRetryableStatus,
  isTransientAssistantError,
  isTransientText,
  messageOf,
  NO_CONVERSATION,
  publicMessage,
  RunFailure,
  statusOf,
} from "./errors.ts";
import type { Operation } from "./protocol.ts";

export interface ResultSummary {
  subtype: string;
  isError: boolean;
  /** `result` text of a success-subtype result, else "". */
  text: string;
  errors: string[];
  apiErrorStatus: number | null;
  numTurns: number;
  sessionId: string;
}

export interface EngineOutcome {
  operation: Operation;
  resumeSessionId: string | null;
  /** A transcript for resumeSessionId was present (and passed our check) before the run. */
  transcriptExisted: boolean;
  /** The engine reached `system/init`, i.e. it loaded the session and started working. */
  sawInit: boolean;
  lastSessionId: string | null;
  result: ResultSummary | null;
  /** `error` kinds the engine put on assistant messages (rate_limit, overloaded, …). */
  assistantErrors: string[];
  /** What iterating the query threw, if anything (the SDK also throws after an error result). */
  thrown: unknown;
  /** The run was cancelled by us (client gone or timeout). */
  abortReason: string | null;
}

const RESUME_LOAD_TEXT = /session|transcript|conversation|resume/i;

/** null means the run succeeded. */
export function classifyOutcome(o: EngineOutcome): RunFailure | null {
  const missing = (): RunFailure =>
    o.transcriptExisted
      ? new RunFailure("session_corrupted", `the engine could not load session ${o.resumeSessionId ?? ""}`)
      : new RunFailure("session_not_found", `no transcript for session ${o.resumeSessionId ?? ""}`);

  if (o.abortReason !== null && o.result === null) {
    return new RunFailure("internal", o.abortReason, { retryable: true, sessionId: o.lastSessionId });
  }

  const r = o.result;
  if (r !== null) {
    // /compact reports its failure as a successful turn whose text says so; the session
    // it was asked to compact is untouched, so that is the one to keep using.
    if (o.operation === "compact" && r.text.startsWith(COMPACTION_ERROR_PREFIX)) {
      return new RunFailure("compact_failed", publicMessage(r.text), { sessionId: o.resumeSessionId });
    }
    if (r.subtype === "success" && !r.isError) return null;

    const text = [r.text, ...r.errors].filter((t) => t !== "").join("\n");
    if (text.includes(NO_CONVERSATION)) return missing();
    if (
      o.resumeSessionId !== null &&
      o.transcriptExisted &&
      !o.sawInit &&
      r.subtype === "error_during_execution" &&
      RESUME_LOAD_TEXT.test(text)
    ) {
      return new RunFailure("session_corrupted", publicMessage(text));
    }
    const sessionId = o.lastSessionId;
    if (r.apiErrorStatus !== null) {
      return isRetryableStatus(r.apiErrorStatus)
        ? new RunFailure("overloaded", publicMessage(text, `model API status ${r.apiErrorStatus}`), { sessionId })
        : new RunFailure("internal", publicMessage(text, `model API status ${r.apiErrorStatus}`), { sessionId });
    }
    if (o.assistantErrors.some(isTransientAssistantError) || isTransientText(text)) {
      return new RunFailure("overloaded", publicMessage(text, "model API unavailable"), { sessionId });
    }
    if (r.subtype === "error_max_turns") {
      return new RunFailure("internal", `the run reached the turn limit after ${r.numTurns} turns`, { sessionId });
    }
    return new RunFailure("internal", publicMessage(text, `engine ended with ${r.subtype}`), { sessionId });
  }

  if (o.thrown !== undefined && o.thrown !== null) {
    const message = messageOf(o.thrown);
    if (message.includes(NO_CONVERSATION)) return missing();
    const status = statusOf(o.thrown);
    if ((status !== null && isRetryableStatus(status)) || isTransientText(message)) {
      return new RunFailure("overloaded", publicMessage(message, "model API unavailable"), { sessionId: o.lastSessionId });
    }
    return new RunFailure("internal", publicMessage(message, "engine failed"), { sessionId: o.lastSessionId });
  }

  return new RunFailure("internal", "the engine ended without a result", { retryable: true, sessionId: o.lastSessionId });
}
