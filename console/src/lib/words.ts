// The service's codes and reasons in plain words. Unknown codes (the API grows) fall back
// to the code itself, made readable, so nothing new ever shows as blank.
import { duration, shortId, tokens, usd } from "./format.ts";

const capitalized = (text: string): string => `${text[0]?.toUpperCase() ?? ""}${text.slice(1)}`;

function humanize(code: string): string {
  const text = code.replace(/[_:]+/g, " ").trim();
  return text === "" ? code : capitalized(text);
}

const FRESH_REASONS: Record<string, string> = {
  flag_off: "resume is turned off for the whole service (SESSION_RESUME_ENABLED)",
  project_override_off: "resume is turned off for this project",
  reset_requested: "the session was reset by the owner",
  no_session: "the project had no session yet",
  stale: "the session had not been used for too long",
  non_resumable: "the session was marked non-resumable after failures",
  structural_change: "too many files were added or removed since the session was made",
  policy_never: "the project's session policy is never: every update starts a new session",
};

/** The resume policy's reasons ("resumed: cache warm, written 2 min ago; predicted …") are words already: their key is the title. */
const POLICY_TITLES: Record<string, string> = {
  resumed: "Resumed",
  "compacted and resumed": "Compacted, then resumed",
  "fresh with handoff": "Fresh session with a handoff",
  fresh: "Fresh session",
};

const DETAILED = new Set(["stale", "structural_change"]);

const FALLBACKS: Record<string, string> = {
  session_not_found: "the runner had no transcript for the session",
  session_corrupted: "the session's transcript was damaged",
  transcript_invalid: "the session's transcript failed the check before resuming (the model would have been sent a broken conversation); the new session was given a handoff of the project",
  security_violation: "the session was refused: it does not belong to this project",
  ownership_unverified: "it could not be confirmed that the session belongs to this project",
};

export interface Decision {
  /** "Resumed", "Fresh session" or "Fell back to a fresh session". */
  title: string;
  /** Why, in words. */
  reason: string;
  kind: "resumed" | "fresh" | "fallback" | "unknown";
}

/** A version's stored resume decision and reason ("stale: last used 30 min ago …"). */
export function explainDecision(decision: string | null, reason: string | null): Decision {
  if (reason !== null && reason.startsWith("fallback:")) {
    const code = reason.slice("fallback:".length);
    return { kind: "fallback", title: "Fell back to a fresh session", reason: `${FALLBACKS[code] ?? humanize(code)}, so a new session was started` };
  }
  const [key = "", ...explanation] = (reason ?? "").split(": ");
  const policyTitle = POLICY_TITLES[key];
  if (policyTitle !== undefined && (decision === "resume" || decision === "fresh")) {
    return { kind: decision === "resume" ? "resumed" : "fresh", title: policyTitle, reason: explanation.join(": ") };
  }
  if (decision === "resume") return { kind: "resumed", title: "Resumed", reason: "the previous session was resumable" };
  if (decision === "fresh") {
    const [code = "", ...rest] = (reason ?? "").split(": ");
    const detail = rest.join(": ");
    const base = FRESH_REASONS[code] ?? (code === "" ? "no reason was recorded" : humanize(code));
    // Only these details add facts (how old, how much changed); the others repeat the code.
    return { kind: "fresh", title: "Fresh session", reason: detail !== "" && DETAILED.has(code) ? `${base} (${detail})` : base };
  }
  return { kind: "unknown", title: "Not decided yet", reason: "the job has not reached its decision" };
}

/** The key of a fallback-reason count from /v1/metrics ("fallback:session_not_found", "stale"). */
export function fallbackKey(key: string): string {
  if (key.startsWith("fallback:")) return `Fell back: ${FALLBACKS[key.slice(9)] ?? humanize(key.slice(9))}`;
  const policyTitle = POLICY_TITLES[key];
  if (policyTitle !== undefined) return `Chosen by the resume policy: ${policyTitle.toLowerCase()}`;
  return `Fresh: ${FRESH_REASONS[key] ?? humanize(key)}`;
}

const OUTCOMES: Record<string, string> = {
  resumed: "Resumed the same session",
  forked: "Resumed into a new session id (fork)",
  not_found: "Session not found on the runner",
  corrupted: "Session transcript damaged",
  stale: "Not resumed: too old",
  skipped: "Not resumed (decision)",
  security_violation: "Refused: not this project's session",
  error: "Resume failed",
};

export function outcomeText(outcome: string): string {
  return OUTCOMES[outcome] ?? humanize(outcome);
}

const ERRORS: Record<string, string> = {
  runner_unavailable: "The AI runner stayed overloaded or unreachable, and retries ran out.",
  runner_internal: "The AI runner failed while working on this update.",
  runner_bad_request: "The AI runner rejected this update.",
  internal: "The update failed unexpectedly.",
};

export function errorText(code: string | null, message: string | null): string {
  if (message !== null && message !== "") return message;
  return code === null ? "It failed for an unknown reason." : ERRORS[code] ?? humanize(code);
}

const STEPS: Record<string, string> = { build: "build", update: "update", metadata: "metadata", compact: "compaction" };

export function stepName(step: unknown): string {
  return typeof step === "string" ? STEPS[step] ?? step : "step";
}


const str = (v: unknown): string => (typeof v === "string" ? v : "");

const FINDINGS: Record<string, string> = {
  truncated_last_line: "a cut-short last line",
  invalid_json: "a line that is not JSON",
  not_an_object: "a line that is not an object",
  other_session: "a line of another session",
  no_conversation: "no conversation",
  broken_chain: "a broken message chain",
  duplicate_line: "a repeated line",
  duplicate_uuid: "one id on two different lines",
  dangling_tool_use: "a tool call without its result",
  orphan_tool_result: "a tool result without its call",
};

/** The transcript check's findings ({kind, line}) in words: "a broken message chain at line 14, …". */
function findingsText(findings: unknown): string {
  if (!Array.isArray(findings) || findings.length === 0) return "no details";
  return findings
    .slice(0, 3)
    .map((f: unknown) => {
      const kind = typeof f === "object" && f !== null && "kind" in f ? str(f.kind) : "";
      const line = typeof f === "object" && f !== null && "line" in f ? num(f.line) : null;
      return `${FINDINGS[kind] ?? humanize(kind)}${line === null ? "" : ` at line ${line}`}`;
    })
    .join(", ") + (findings.length > 3 ? ` and ${findings.length - 3} more` : "");
}
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** One job event as a line of the live log; null for events not worth a line. */
export function describeEvent(type: string, data: Record<string, unknown>): string | null {
  switch (type) {
    case "queued":
      return `Queued as version ${num(data["versionNumber"]) ?? "?"}.`;
    case "running":
      return data["resumedAfterInterruption"] === true ? "Running again after an interruption." : "Started.";
    case "decision": {
      const d = explainDecision(data["resume"] === true ? "resume" : "fresh", str(data["reason"]) || null);
      return data["resume"] === true ? `Decision: resume session ${shortId(str(data["sessionId"]))}.` : `Decision: fresh session, because ${d.reason}.`;
    }
    case "step_started":
      return `${capitalized(stepName(data["step"]))} step started${data["resumeSessionId"] ? ` from session ${shortId(str(data["resumeSessionId"]))}` : " in a new session"}.`;
    case "progress": {
      const kind = str(data["type"]);
      if (kind === "tool_use") return `Tool ${str(data["name"])}${data["target"] ? ` on ${str(data["target"])}` : ""}.`;
      // The metadata step answers in JSON (recommendations, documentation): not worth a line.
      if (kind === "assistant_text" && data["step"] !== "metadata") {
        const text = str(data["text"]).replace(/\s+/g, " ").trim();
        return text === "" ? null : `Claude: ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`;
      }
      if (kind === "assistant_text") return null;
      if (kind === "error") return `The runner reported an error: ${str(data["message"]) || str(data["code"])}.`;
      if (kind === "transcript_repaired") return `Transcript repaired on a copy before resuming (${findingsText(data["findings"])}); resuming session ${shortId(str(data["copySessionId"]))}.`;
      return null;
    }
    case "retrying":
      return `The runner was busy or unreachable (${str(data["code"])}); trying again in ${duration(num(data["waitMs"]))} (attempt ${(num(data["attempt"]) ?? 0) + 1}).`;
    case "fallback": {
      const found = Array.isArray(data["findings"]) ? ` (found: ${findingsText(data["findings"])})` : "";
      return `Fell back to a fresh session: ${FALLBACKS[str(data["reason"])] ?? humanize(str(data["reason"]))}${found}.`;
    }
    case "rehydrated":
      return data["what"] === "transcript" ? "Restored the session's transcript from storage." : `Restored the workspace from storage (${num(data["fileCount"]) ?? "?"} files).`;
    case "workspace_restored":
      return `Workspace put back to the last good snapshot (${num(data["fileCount"]) ?? "?"} files).`;
    case "session_changed":
      return data["relation"] === "new" || str(data["from"]) === ""
        ? `New session ${shortId(str(data["to"]))}.`
        : `Session ${shortId(str(data["from"]))} → ${shortId(str(data["to"]))} (${str(data["relation"])}).`;
    case "step_finished": {
      const usage = data["usage"] as Record<string, unknown> | undefined;
      const note = typeof data["cacheNote"] === "string" ? ` ${capitalized(data["cacheNote"])}.` : "";
      return `${capitalized(stepName(data["step"]))} step finished: ${usd(num(usage?.["costUsd"]))}, ${tokens(num(usage?.["cacheReadInputTokens"]))} cache-read tokens, ${duration(num(usage?.["durationMs"]))}.${note}`;
    }
    case "cache_check":
      return data["agrees"] === true
        ? `Cache as predicted: the resumed history was ${data["measured"] === "read" ? "read" : `written again (${str(data["measured"]).replace("_", " ")})`}.`
        : `Cache not as predicted (${data["predictedWarm"] === true ? "warm" : "cold"}): the resumed history was ${data["measured"] === "read" ? "read" : `written again (${str(data["measured"]).replace("_", " ")})`}.`;
    case "warning":
      return `Warning: ${str(data["message"])}`;
    case "succeeded": {
      const totals = data["totals"] as Record<string, unknown> | undefined;
      return `Succeeded: ${usd(num(totals?.["costUsd"]))} in ${duration(num(totals?.["durationMs"]))}.`;
    }
    case "failed": {
      const error = data["error"] as { code?: unknown; message?: unknown } | null | undefined;
      return `Failed: ${errorText(typeof error?.code === "string" ? error.code : null, typeof error?.message === "string" ? error.message : null)}`;
    }
    default:
      return `${humanize(type)}.`;
  }
}
