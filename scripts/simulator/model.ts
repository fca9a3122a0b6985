// Decides the simulated model's reply to one request, by its kind (see classify()): a
// compaction summary, metadata JSON, the coding agent's next tool calls or final answer,
// or a short text.
import { createHash } from "node:crypto";
import { replay, runInstructions } from "./agent.ts";
import type { AgentEnv, Step, ToolCall } from "./agent.ts";
import { detectCwd, latestPrompt, toolExchanges } from "./conversation.ts";
import { requestContext } from "./history.ts";
import type { RequestContext } from "./history.ts";
import { knowledgeFromHistory } from "./knowledge.ts";
import { documentProject, parseMetadataContext, projectMetadata } from "./metadata.ts";
import { leanMetadata, parseLeanContext, readChanged } from "./lean-metadata.ts";
import { parseInstructions } from "./instructions.ts";
import { resolveWithVersionLog } from "./version-log.ts";
import { fillSchema, shortPhrase } from "./structured.ts";
import { compactionSummary } from "./summary.ts";
import { thinkingTokens } from "./thinking.ts";
import { textBlock, toolUseBlock } from "./types.ts";
import type { OutBlock, RequestKind, SimRequest, StopReason } from "./types.ts";

export interface ModelReply {
  kind: RequestKind;
  blocks: OutBlock[];
  stopReason: StopReason;
  /** tool_result blocks of the current turn that the reply took into account. */
  toolResults: number;
  filesInContext: number;
  /** Output tokens spent thinking before the visible blocks (thinking.ts). */
  thinkingTokens: number;
}

const HELP =
  "I act on instructions, one per line: `create <path> with <text>`, `append to <path>: <text>`, " +
  "`append to every file under <dir>: <text>`, `replace in <path>: <old> => <new>`, `scaffold <N> files under <dir>`, `read <path>`, " +
  "`undo version <N>`, `make the same edit you made to <path> in <other path>`, `rename what you added last time to <name>`.";

/** Tool ids must be unique within a transcript, also across simulator restarts: derive them from the request. */
function toolId(seed: number, requestKey: string, index: number): string {
  return `toolu_sim_${createHash("sha256").update(`${seed}:${requestKey}:${index}`).digest("hex").slice(0, 24)}`;
}

/** A coding turn: the request's edits (looked up in the version log when it needs earlier work), carried out. */
function* carryOut(context: RequestContext, promptText: string, env: AgentEnv): Step<string[]> {
  const steps = yield* resolveWithVersionLog(context, promptText, env);
  return yield* runInstructions(steps, env);
}

export function respond(req: SimRequest, kind: RequestKind, seed: number, requestKey: string): ModelReply {
  const prompt = latestPrompt(req.messages);
  const promptIndex = prompt?.messageIndex ?? req.messages.length;
  const k = knowledgeFromHistory(req.messages, promptIndex, detectCwd(req));
  const recorded = toolExchanges(req.messages, promptIndex + 1);
  const toolResults = recorded.filter((r) => r.result !== null).length;
  const reply = (blocks: OutBlock[], stopReason: StopReason): ModelReply => ({
    kind,
    blocks,
    stopReason,
    toolResults,
    filesInContext: k.contents.size,
    thinkingTokens: thinkingTokens(req.thinking, kind, toolResults),
  });
  const text = (value: string): ModelReply => reply([textBlock(value)], "end_turn");
  const calls = (list: readonly ToolCall[]): ModelReply => reply(list.map((c, i) => toolUseBlock(toolId(seed, requestKey, i), c.name, c.input)), "tool_use");
  const env = { k, tools: new Set(req.tools.map((t) => t.name)), seed };
  switch (kind) {
    case "compaction":
      return text(compactionSummary(req.messages, k));
    case "metadata": {
      const lean = parseLeanContext(prompt?.text ?? "");
      if (lean !== null) {
        const step = replay(readChanged(env, lean), recorded, k);
        return step.kind === "calls" ? calls(step.calls) : text(JSON.stringify(leanMetadata(k, lean)));
      }
      const context = parseMetadataContext(prompt?.text ?? "");
      const step = replay(documentProject(env, context), recorded, k);
      return step.kind === "calls" ? calls(step.calls) : text(JSON.stringify(projectMetadata(k, context)));
    }
    case "other": {
      // Session titles and other side requests: a few words of the prompt (as JSON when a schema is demanded).
      const phrase = shortPhrase(prompt?.text ?? "");
      return text(req.outputSchema === null ? phrase : JSON.stringify(fillSchema(req.outputSchema, phrase)));
    }
    case "turn": {
      const context = requestContext(req.messages);
      if (parseInstructions(context.current.text).length === 0) return text(HELP);
      const step = replay(carryOut(context, prompt?.text ?? "", env), recorded, k);
      return step.kind === "done" ? text(`Done.\n${step.value.map((line) => `- ${line}`).join("\n")}`) : calls(step.calls);
    }
  }
}
