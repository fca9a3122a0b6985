// The repairs the check allows, applied to the text of a copy (the caller writes it under a
// new session id; the original file is never touched). A truncated last line and repeats of
// a line are left out. The calls of an interrupted last turn are closed the way Claude Code
// 2.1.330 closes them itself when it resumes such a session (measured: test/node/
// transcript-check.test.ts): a user line answering each call with an error tool_result
// carrying the engine's interruption marker, `toolDenialKind: "interrupted"`, then the
// engine's synthetic assistant line "No response requested.", both chained to the leaf.
import { randomUUID } from "node:crypto";
import type { TranscriptReport } from "./check.ts";
import type { Json } from "./lines.ts";

/** The engine's words for a call whose result was never recorded (Claude Code 2.1.330). */
export const INTERRUPTED_TOOL_CALL =
  "[Tool call interrupted: the session ended before this call's result was recorded, so its outcome is unknown. Check whether it took effect before relying on it or running it again.]";
/** The text of the synthetic assistant line the engine writes after closing such calls. */
export const NO_RESPONSE_REQUESTED = "No response requested.";

/** Fields every conversation line of the session carries, taken from the leaf. */
function envelope(leaf: Json): Json {
  const keep = ["userType", "entrypoint", "cwd", "sessionId", "version", "gitBranch"];
  return Object.fromEntries(keep.filter((k) => leaf[k] !== undefined).map((k) => [k, leaf[k]]));
}

function closingLines(report: TranscriptReport, now: Date): string[] {
  const leaf = report.leaf;
  if (leaf === null || report.dangling.length === 0) return [];
  const base = envelope(leaf.value);
  const userUuid = randomUUID();
  const at = now.toISOString();
  const lastCall = report.dangling.at(-1)?.assistantUuid ?? leaf.uuid;
  const user: Json = {
    parentUuid: leaf.uuid,
    isSidechain: false,
    type: "user",
    message: {
      role: "user",
      content: report.dangling.map((call) => ({ type: "tool_result", content: INTERRUPTED_TOOL_CALL, is_error: true, tool_use_id: call.toolUseId })),
    },
    uuid: userUuid,
    timestamp: at,
    toolUseResult: INTERRUPTED_TOOL_CALL,
    toolDenialKind: "interrupted",
    sourceToolAssistantUUID: lastCall,
    ...base,
  };
  const assistant: Json = {
    parentUuid: userUuid,
    isSidechain: false,
    type: "assistant",
    uuid: randomUUID(),
    timestamp: at,
    message: {
      id: randomUUID(),
      model: "<synthetic>",
      role: "assistant",
      stop_reason: "stop_sequence",
      stop_sequence: "",
      type: "message",
      usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      content: [{ type: "text", text: NO_RESPONSE_REQUESTED }],
    },
    isApiErrorMessage: false,
    ...base,
  };
  return [JSON.stringify(user), JSON.stringify(assistant)];
}

/** The repaired transcript text (newline-terminated), for a report whose findings are all repairable. */
export function repairTranscript(report: TranscriptReport, now: Date = new Date()): string {
  if (!report.repairable) throw new Error("the transcript has findings no repair may touch");
  const kept = report.lines.filter((line) => !report.drop.has(line.n)).map((line) => line.raw);
  return [...kept, ...closingLines(report, now)].join("\n") + "\n";
}
