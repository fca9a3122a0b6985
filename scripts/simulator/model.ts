// Decides the simulated model's reply to one request, by its kind (see classify()): a
// compaction summary, metadata JSON, the coding agent's next tool calls or final answer,
// or a short text.
import { createHash } from "node:crypto";
import { documentProject, replay, runInstructions } from "./agent.ts";
import type { ToolCall } from "./agent.ts";
import { detectCwd, latestPrompt, toolExchanges } from "./conversation.ts";
import { parseInstructions } from "./instructions.ts";
import { knowledgeFromHistory } from "./knowledge.ts";
import { projectMetadata } from "./metadata.ts";
import { fillSchema, shortPhrase } from "./structured.ts";
import { compactionSummary } from "./summary.ts";
import type { OutBlock, RequestKind, SimRequest, StopReason } from "./types.ts";

export interface ModelReply {
  kind: RequestKind;
  blocks: OutBlock[];
  stopReason: StopReason;
  /** tool_result blocks of the current turn that the reply took into account. */
  toolResults: number;
  filesInContext: number;
}

const HELP =
  "I act on instructions, one per line: `create <path> with <text>`, `append to <path>: <text>`, " +
  "`append to every file under <dir>: <text>`, `replace in <path>: <old> => <new>`, `scaffold <N> files under <dir>`, `read <path>`.";

/** Tool ids must be unique within a transcript, also across simulator restarts: derive them from the request. */
function toolId(seed: number, requestKey: string, index: number): string {
  return `toolu_sim_${createHash("sha256").update(`${seed}:${requestKey}:${index}`).digest("hex").slice(0, 24)}`;
}

function text(kind: RequestKind, value: string, filesInContext: number, toolResults = 0): ModelReply {
  return { kind, blocks: [{ type: "text", text: value }], stopReason: "end_turn", toolResults, filesInContext };
}

function toolCalls(kind: RequestKind, calls: readonly ToolCall[], seed: number, requestKey: string, toolResults: number, filesInContext: number): ModelReply {
  return {
    kind,
    blocks: calls.map((call, i) => ({ type: "tool_use", id: toolId(seed, requestKey, i), name: call.name, input: call.input })),
    stopReason: "tool_use",
    toolResults,
    filesInContext,
  };
}

export function respond(req: SimRequest, kind: RequestKind, seed: number, requestKey: string): ModelReply {
  const prompt = latestPrompt(req.messages);
  const promptIndex = prompt?.messageIndex ?? req.messages.length;
  const k = knowledgeFromHistory(req.messages, promptIndex, detectCwd(req));
  switch (kind) {
    case "compaction":
      return text(kind, compactionSummary(req.messages, k), k.contents.size);
    case "metadata": {
      const recorded = toolExchanges(req.messages, promptIndex + 1);
      const step = replay(documentProject({ k, tools: new Set(req.tools.map((t) => t.name)), seed }), recorded, k);
      const toolResults = recorded.filter((r) => r.result !== null).length;
      if (step.kind === "calls") return toolCalls(kind, step.calls, seed, requestKey, toolResults, k.contents.size);
      return text(kind, JSON.stringify(projectMetadata(k)), k.contents.size, toolResults);
    }
    case "other": {
      // Session titles and other side requests: a few words of the prompt (as JSON when a schema is demanded).
      const phrase = shortPhrase(prompt?.text ?? "");
      return text(kind, req.outputSchema === null ? phrase : JSON.stringify(fillSchema(req.outputSchema, phrase)), k.contents.size);
    }
    case "turn": {
      const instructions = parseInstructions(prompt?.text ?? "");
      if (instructions.length === 0) return text(kind, HELP, k.contents.size);
      const recorded = toolExchanges(req.messages, promptIndex + 1);
      const step = replay(runInstructions(instructions, { k, tools: new Set(req.tools.map((t) => t.name)), seed }), recorded, k);
      const toolResults = recorded.filter((r) => r.result !== null).length;
      if (step.kind === "done") return text(kind, `Done.\n${step.report.map((line) => `- ${line}`).join("\n")}`, k.contents.size, toolResults);
      return toolCalls(kind, step.calls, seed, requestKey, toolResults, k.contents.size);
    }
  }
}
