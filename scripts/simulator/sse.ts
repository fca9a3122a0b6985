// Messages API response encodings, typed with the official SDK: the event stream Claude Code
// consumes (message_start, content blocks with text_delta / input_json_delta,
// message_delta, message_stop) and the plain JSON message for non-streaming calls. Deltas
// are paced by the latency model.
import type { ServerResponse } from "node:http";
import type { Message, RawMessageStreamEvent, Usage } from "@anthropic-ai/sdk/resources/messages";
import type { ErrorObject } from "@anthropic-ai/sdk/resources/shared";
import { errorBody } from "./errors.ts";
import { sleep } from "./latency.ts";
import type { OutBlock, StopReason } from "./types.ts";

export interface ReplyMessage {
  id: string;
  model: string;
  blocks: OutBlock[];
  stopReason: StopReason;
  usage: Usage;
}

export interface Pacing {
  /** Wait before message_start (time to first token, already scaled). */
  firstTokenMs: number;
  /** Wait per output token (already scaled). */
  msPerOutputToken: number;
}

/** Events the stream carries besides the SDK's RawMessageStreamEvent: keep-alives and errors. */
type StreamEvent = RawMessageStreamEvent | { type: "ping" } | { type: "error"; error: ErrorObject };

/** Characters per streamed delta, roughly what the real API sends for code. */
const CHUNK_CHARS = 64;

export function messageJson(msg: ReplyMessage): Message {
  return {
    id: msg.id,
    type: "message",
    role: "assistant",
    model: msg.model,
    content: msg.blocks,
    stop_reason: msg.stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: msg.usage,
  };
}

function writeEvent(res: ServerResponse, event: StreamEvent): void {
  res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

function chunks(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += CHUNK_CHARS) out.push(text.slice(i, i + CHUNK_CHARS));
  return out.length > 0 ? out : [""];
}

function startStream(res: ServerResponse, msg: ReplyMessage): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": `req_${msg.id}` });
  // As the API does: message_start has the prompt's usage and a placeholder output count.
  const usage: Usage = { ...msg.usage, output_tokens: 1, output_tokens_details: null };
  writeEvent(res, { type: "message_start", message: { ...messageJson(msg), content: [], stop_reason: null, usage } });
  writeEvent(res, { type: "ping" });
}

export async function streamMessage(res: ServerResponse, msg: ReplyMessage, pacing: Pacing): Promise<void> {
  await sleep(pacing.firstTokenMs);
  startStream(res, msg);
  for (const [index, block] of msg.blocks.entries()) {
    if (res.destroyed) return;
    const body = block.type === "text" ? block.text : JSON.stringify(block.input);
    writeEvent(res, { type: "content_block_start", index, content_block: block.type === "text" ? { ...block, text: "" } : { ...block, input: {} } });
    for (const piece of chunks(body)) {
      await sleep((piece.length / 4) * pacing.msPerOutputToken);
      if (res.destroyed) return;
      const delta = block.type === "text" ? { type: "text_delta" as const, text: piece } : { type: "input_json_delta" as const, partial_json: piece };
      writeEvent(res, { type: "content_block_delta", index, delta });
    }
    writeEvent(res, { type: "content_block_stop", index });
  }
  const { input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens_details, server_tool_use } = msg.usage;
  writeEvent(res, {
    type: "message_delta",
    delta: { stop_reason: msg.stopReason, stop_sequence: null, stop_details: null, container: null },
    usage: { input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens_details, server_tool_use },
  });
  writeEvent(res, { type: "message_stop" });
  res.end();
}

/** An overload after the stream started: message_start, then an SSE error event. */
export async function streamError(res: ServerResponse, msg: ReplyMessage, status: number, message: string | null, pacing: Pacing): Promise<void> {
  await sleep(pacing.firstTokenMs);
  startStream(res, msg);
  writeEvent(res, { type: "error", error: errorBody(status, message ?? undefined).error });
  res.end();
}
