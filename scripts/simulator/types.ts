// Shapes shared by the simulator's modules. Requests are parsed once (request.ts) into
// these normalised forms so the rest of the code never touches untyped JSON. What goes back
// on the wire (messages, content blocks, usage, stream events, errors, models) uses the
// official SDK's types (@anthropic-ai/sdk), so the compiler holds the replies to the API.
import type { StopReason as ApiStopReason, TextBlock as ApiTextBlock, ToolUseBlock as ApiToolUseBlock } from "@anthropic-ai/sdk/resources/messages";

export type { Usage } from "@anthropic-ai/sdk/resources/messages";

export interface CacheControl {
  ttl: "5m" | "1h";
}

export interface TextBlock {
  kind: "text";
  /** Raw text, system reminders included. */
  text: string;
}

export interface ToolUseBlock {
  kind: "tool_use";
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface ToolResultBlock {
  kind: "tool_result";
  toolUseId: string;
  /** Text parts joined with "\n"; non-text parts (images) are dropped. */
  text: string;
  isError: boolean;
}

export interface OtherBlock {
  kind: "other";
  type: string;
}

/** Every block keeps what prompt caching and token estimation need. */
export type Block = (TextBlock | ToolUseBlock | ToolResultBlock | OtherBlock) & {
  cache: CacheControl | null;
  /** Canonical JSON without cache_control: two blocks with equal keys are the same prompt bytes. */
  key: string;
  /** Characters counted for the token estimate. */
  chars: number;
};

export type Role = "user" | "assistant" | "system";

export interface Message {
  role: Role;
  blocks: Block[];
}

export interface ToolDef {
  name: string;
  cache: CacheControl | null;
  key: string;
  chars: number;
}

export interface SimRequest {
  model: string;
  stream: boolean;
  system: Block[];
  messages: Message[];
  tools: ToolDef[];
  /** JSON schema the reply must follow (`output_config.format` of type json_schema), if any. */
  outputSchema: unknown;
  /** Extended thinking enabled (`thinking` of type enabled or adaptive). */
  thinking: boolean;
}

/** What the simulated model emits: text, or tool calls with a known input object. */
export type OutBlock = ApiTextBlock | (ApiToolUseBlock & { input: Record<string, unknown> });

/** The stop reasons the simulated model produces. */
export type StopReason = Extract<ApiStopReason, "end_turn" | "tool_use">;

export function textBlock(text: string): OutBlock {
  return { type: "text", text, citations: null };
}

export function toolUseBlock(id: string, name: string, input: Record<string, unknown>): OutBlock {
  return { type: "tool_use", id, name, input, caller: { type: "direct" } };
}

export type RequestKind = "turn" | "compaction" | "metadata" | "other";
