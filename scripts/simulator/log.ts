// In-memory request log served at GET /__sim/requests: what each request carried and what
// the simulated model answered, so tests and the benchmark can check resumption and cost.
import type { RequestKind, StopReason, Usage } from "./types.ts";

export interface LoggedToolCall {
  name: string;
  /** File path, pattern or command the call is about. */
  target: string | null;
}

export interface RequestLogEntry {
  seq: number;
  time: string;
  path: string;
  /** `x-claude-code-session-id` header. */
  sessionId: string | null;
  model: string | null;
  stream: boolean;
  kind: RequestKind | null;
  /** HTTP status returned (an injected fault or a parse error shows here). */
  status: number;
  fault: { status: number; midStream: boolean } | null;
  messageCount: number;
  /** Names of the tools the request advertised. */
  tools: string[];
  /** Every user prompt text in `messages`, oldest first (system reminders removed, 300 chars max each). */
  userPrompts: string[];
  /** Where the request broke the API's tool_use/tool_result pairing (pairing.ts); empty when it did not. */
  toolPairingErrors: string[];
  /** tool_result blocks answering the model's calls since the latest prompt. */
  toolResults: number;
  /** Files whose content the model had in context when it answered. */
  filesInContext: number;
  /** Tool calls in this response. */
  toolCalls: LoggedToolCall[];
  /** TTL of every cache_control breakpoint the request carried, in prompt order. */
  cacheTtls: Array<"5m" | "1h">;
  /** Output tokens spent thinking (included in usage.output_tokens). */
  thinkingTokens: number;
  stopReason: StopReason | null;
  usage: Usage | null;
  costUsd: number;
  /** Modelled latency before scaling. */
  ttftMs: number;
  durationMs: number;
}

const MAX_ENTRIES = 10_000;

export class RequestLog {
  #entries: RequestLogEntry[] = [];
  #seq = 0;

  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  add(entry: RequestLogEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > MAX_ENTRIES) this.#entries.shift();
  }

  list(): readonly RequestLogEntry[] {
    return this.#entries;
  }

  clear(): void {
    this.#entries = [];
  }
}
