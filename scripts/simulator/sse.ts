// Messages API response encodings: the event stream Claude Code consumes (message_start,
// content blocks with text_delta / input_json_delta, message_delta, message_stop) and the
// plain JSON message for non-streaming calls. Deltas are paced by the latency model.
import type { ServerResponse } from "node:http";
import { errorBody } from "./errors.ts";
import { sleep } from "./latency.ts";
import type { OutBlock, StopReason, Usage } from "./types.ts";

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

/** Characters per streamed delta, roughly what the real API sends for code. */
const CHUNK_CHARS = 64;

export function messageJson(msg: ReplyMessage): Record<string, unknown> {
  return {
    id: msg.id,
    type: "message",
    role: "assistant",
    model: msg.model,
    content: msg.blocks,
    stop_reason: msg.stopReason,
    stop_sequence: null,
    usage: msg.usage,
  };
}

function writeEvent(res: ServerResponse, type: string, data: Record<string, unknown>): void {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

function chunks(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += CHUNK_CHARS) out.push(text.slice(i, i + CHUNK_CHARS));
  return out.length > 0 ? out : [""];
}

function startStream(res: ServerResponse, msg: ReplyMessage): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": `req_${msg.id}` });
  const startUsage = { ...msg.usage, output_tokens: 1 };
  writeEvent(res, "message_start", { message: { ...messageJson(msg), content: [], stop_reason: null, usage: startUsage } });
  writeEvent(res, "ping", {});
}

export async function streamMessage(res: ServerResponse, msg: ReplyMessage, pacing: Pacing): Promise<void> {
  await sleep(pacing.firstTokenMs);
  startStream(res, msg);
  for (const [index, block] of msg.blocks.entries()) {
    if (res.destroyed) return;
    const isText = block.type === "text";
    const body = isText ? block.text : JSON.stringify(block.input);
    writeEvent(res, "content_block_start", { index, content_block: isText ? { type: "text", text: "" } : { ...block, input: {} } });
    for (const piece of chunks(body)) {
      await sleep((piece.length / 4) * pacing.msPerOutputToken);
      if (res.destroyed) return;
      const delta = isText ? { type: "text_delta", text: piece } : { type: "input_json_delta", partial_json: piece };
      writeEvent(res, "content_block_delta", { index, delta });
    }
    writeEvent(res, "content_block_stop", { index });
  }
  writeEvent(res, "message_delta", { delta: { stop_reason: msg.stopReason, stop_sequence: null }, usage: msg.usage });
  writeEvent(res, "message_stop", {});
  res.end();
}

/** An overload after the stream started: message_start, then an SSE error event. */
export async function streamError(res: ServerResponse, msg: ReplyMessage, status: number, message: string | null, pacing: Pacing): Promise<void> {
  await sleep(pacing.firstTokenMs);
  startStream(res, msg);
  const body = errorBody(status, message ?? undefined);
  writeEvent(res, "error", { error: body.error });
  res.end();
}
