// Reading a Claude Code conversation: user prompts (without the <system-reminder> blocks the
// engine injects), the working directory, the request kind, and tool call/result pairs.
import { METADATA_MARKER } from "../../container/src/protocol.ts";
import type { Message, RequestKind, SimRequest, ToolResultBlock, ToolUseBlock } from "./types.ts";

/** Claude Code's /compact prompt (2.1.x) and its retry addendum. */
const COMPACTION_PROMPT = /create a detailed summary of the conversation so far|Please provide your summary based on the conversation so far/i;
/** First words of the user message Claude Code puts in place of a compacted history. */
export const CONTINUATION_PREFIX = "This session is being continued from a previous conversation";

/** Markup the engine adds around user text: reminders and the echo of local slash commands. */
const REMINDER =
  /<(system-reminder|local-command-caveat|local-command-stdout|local-command-stderr|command-name|command-message|command-args)>[\s\S]*?<\/\1>/g;

export function stripReminders(text: string): string {
  return text.replace(REMINDER, "").trim();
}

export interface Prompt {
  messageIndex: number;
  text: string;
}

/** User-typed text per user message, in order (tool results and pure reminders excluded). */
export function userPrompts(messages: readonly Message[]): Prompt[] {
  const prompts: Prompt[] = [];
  messages.forEach((message, messageIndex) => {
    if (message.role !== "user") return;
    const texts = message.blocks.flatMap((b) => (b.kind === "text" ? [stripReminders(b.text)] : [])).filter((t) => t !== "");
    if (texts.length > 0) prompts.push({ messageIndex, text: texts.join("\n") });
  });
  return prompts;
}

export function latestPrompt(messages: readonly Message[]): Prompt | null {
  return userPrompts(messages).at(-1) ?? null;
}

/** The workspace path Claude Code announces in its environment block. */
export function detectCwd(req: SimRequest): string | null {
  const texts = [...req.system, ...req.messages.flatMap((m) => m.blocks)].flatMap((b) => (b.kind === "text" ? [b.text] : []));
  for (const text of texts) {
    const match = /(?:Primary working directory|Working directory):\s*(\/[^\n]*)/.exec(text);
    if (match?.[1] !== undefined) return match[1].trim();
  }
  return null;
}

export function classify(req: SimRequest): RequestKind {
  const prompt = latestPrompt(req.messages)?.text ?? "";
  if (COMPACTION_PROMPT.test(prompt)) return "compaction";
  if (prompt.includes(METADATA_MARKER)) return "metadata";
  return req.tools.length > 0 ? "turn" : "other";
}

export interface ToolExchange {
  call: ToolUseBlock;
  result: ToolResultBlock | null;
}

/** Tool calls made by the assistant in messages[from..to), each with its result if present. */
export function toolExchanges(messages: readonly Message[], from = 0, to = messages.length): ToolExchange[] {
  const results = new Map<string, ToolResultBlock>();
  for (const message of messages) {
    for (const block of message.blocks) if (block.kind === "tool_result") results.set(block.toolUseId, block);
  }
  const exchanges: ToolExchange[] = [];
  messages.slice(from, to).forEach((message) => {
    if (message.role !== "assistant") return;
    for (const block of message.blocks) if (block.kind === "tool_use") exchanges.push({ call: block, result: results.get(block.id) ?? null });
  });
  return exchanges;
}
