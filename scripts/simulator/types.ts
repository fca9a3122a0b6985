// Shapes shared by the simulator's modules. Requests are parsed once (request.ts) into
// these normalised forms so the rest of the code never touches untyped JSON.

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
}

/** What the simulated model emits. */
export type OutBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export type StopReason = "end_turn" | "tool_use";

export interface Usage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  service_tier: "standard";
}

export type RequestKind = "turn" | "compaction" | "metadata" | "other";
