// POST /v1/messages and /v1/messages/count_tokens: parse, maybe fail (injected fault), ask
// the model, price the prompt against the cache, log, and answer (SSE or JSON) on the
// modelled schedule. Only models of the product's model table are answered, as the API
// answers only models it serves.
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { MessageTokensCount } from "@anthropic-ai/sdk/resources/messages";
import { findModel } from "../../src/models/table.ts";
import type { PromptCache } from "./cache.ts";
import { classify, userPrompts } from "./conversation.ts";
import type { FaultQueue } from "./faults.ts";
import { sendError, sendJson } from "./http.ts";
import { errorBody } from "./errors.ts";
import { outputMs, sleep, ttftMs } from "./latency.ts";
import type { LatencyConfig } from "./latency.ts";
import type { LoggedToolCall, RequestLog, RequestLogEntry } from "./log.ts";
import { respond } from "./model.ts";
import { toolPairingErrors } from "./pairing.ts";
import { costUsd } from "./pricing.ts";
import { BadRequest, parseRequest } from "./request.ts";
import { messageJson, streamError, streamMessage } from "./sse.ts";
import type { ReplyMessage } from "./sse.ts";
import { outputTokens, prefixHashes, segmentsOf, totalTokens } from "./tokens.ts";
import type { OutBlock, SimRequest, Usage } from "./types.ts";

export interface MessagesDeps {
  seed: number;
  latency: LatencyConfig;
  cache: PromptCache;
  faults: FaultQueue;
  log: RequestLog;
  /** When set, every request body is written there as <seq>.json (debugging). */
  dumpDir: string | null;
}

const PROMPT_PREVIEW_CHARS = 300;

function parseBody(res: ServerResponse, body: string): SimRequest | null {
  let sim: SimRequest;
  try {
    sim = parseRequest(JSON.parse(body));
  } catch (error) {
    const message = error instanceof BadRequest ? error.message : "body: invalid JSON";
    sendError(res, 400, message);
    return null;
  }
  if (findModel(sim.model) === null) {
    sendError(res, 404, `model: ${sim.model}`);
    return null;
  }
  return sim;
}

function target(block: OutBlock): LoggedToolCall | null {
  if (block.type !== "tool_use") return null;
  const { file_path: filePath, pattern, command } = block.input;
  const value = [filePath, pattern, command].find((v) => typeof v === "string");
  return { name: block.name, target: typeof value === "string" ? value : null };
}

export function handleCountTokens(res: ServerResponse, body: string): void {
  const sim = parseBody(res, body);
  if (sim === null) return;
  const count: MessageTokensCount = { input_tokens: totalTokens(segmentsOf(sim)) };
  sendJson(res, 200, count);
}

/** A log entry for a request before it is answered (status 400 until known). */
function newEntry(seq: number, path: string, sessionId: string | null, sim: SimRequest | null): RequestLogEntry {
  return {
    cacheTtls: sim === null ? [] : segmentsOf(sim).flatMap((s) => (s.cache === null ? [] : [s.cache.ttl])),
    thinkingTokens: 0,
    seq,
    time: new Date().toISOString(),
    path,
    sessionId,
    model: sim?.model ?? null,
    stream: sim?.stream ?? false,
    kind: sim === null ? null : classify(sim),
    status: 400,
    fault: null,
    messageCount: sim?.messages.length ?? 0,
    tools: sim?.tools.map((t) => t.name) ?? [],
    userPrompts: sim === null ? [] : userPrompts(sim.messages).map((p) => p.text.slice(0, PROMPT_PREVIEW_CHARS)),
    toolPairingErrors: sim === null ? [] : toolPairingErrors(sim.messages),
    toolResults: 0,
    filesInContext: 0,
    toolCalls: [],
    stopReason: null,
    usage: null,
    costUsd: 0,
    ttftMs: 0,
    durationMs: 0,
  };
}

export async function handleMessages(req: IncomingMessage, res: ServerResponse, path: string, body: string, deps: MessagesDeps): Promise<void> {
  const seq = deps.log.nextSeq();
  const header = req.headers["x-claude-code-session-id"];
  if (deps.dumpDir !== null) await writeFile(join(deps.dumpDir, `${String(seq).padStart(5, "0")}.json`), body);
  const sim = parseBody(res, body);
  const entry = newEntry(seq, path, typeof header === "string" ? header : null, sim);
  if (sim === null || entry.kind === null) {
    deps.log.add(entry);
    return;
  }
  const kind = entry.kind;

  const fault = deps.faults.take(kind);
  if (fault !== null && !fault.midStream) {
    const headers: Record<string, string> = {};
    if (fault.retryAfterSeconds !== null) headers["retry-after"] = String(fault.retryAfterSeconds);
    if (fault.shouldRetry !== null) headers["x-should-retry"] = String(fault.shouldRetry);
    deps.log.add({ ...entry, status: fault.status, fault: { status: fault.status, midStream: false } });
    sendJson(res, fault.status, errorBody(fault.status, fault.message ?? undefined), headers);
    return;
  }

  const segments = segmentsOf(sim);
  const hashes = prefixHashes(sim.model, segments);
  const requestKey = hashes.at(-1) ?? sim.model;
  const reply = respond(sim, kind, deps.seed, requestKey);
  const output = outputTokens(reply.blocks) + reply.thinkingTokens;
  const scale = deps.latency.scale;
  const msPerOutputToken = deps.latency.outputTokensPerSecond > 0 ? (1000 / deps.latency.outputTokensPerSecond) * scale : 0;
  const thinkingMs = outputMs(deps.latency, reply.thinkingTokens);
  const emptyUsage: Usage = {
    input_tokens: totalTokens(segments),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: output,
    output_tokens_details: { thinking_tokens: reply.thinkingTokens },
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    inference_geo: null,
    server_tool_use: null,
    service_tier: "standard",
    speed: null,
  };
  const msg: ReplyMessage = {
    id: `msg_sim_${createHash("sha256").update(`${deps.seed}:${requestKey}`).digest("hex").slice(0, 24)}`,
    model: sim.model,
    blocks: reply.blocks,
    stopReason: reply.stopReason,
    usage: emptyUsage,
  };

  if (fault !== null) {
    // Failed mid-stream: nothing is billed or cached.
    deps.log.add({ ...entry, status: 200, fault: { status: fault.status, midStream: true } });
    await streamError(res, msg, fault.status, fault.message, { firstTokenMs: deps.latency.ttftBaseMs * scale, msPerOutputToken });
    return;
  }

  const cached = deps.cache.apply(sim.model, segments, hashes);
  const usage: Usage = {
    ...emptyUsage,
    input_tokens: cached.uncachedTokens,
    cache_creation_input_tokens: cached.write5mTokens + cached.write1hTokens,
    cache_read_input_tokens: cached.readTokens,
    cache_creation: { ephemeral_5m_input_tokens: cached.write5mTokens, ephemeral_1h_input_tokens: cached.write1hTokens },
  };
  msg.usage = usage;
  const firstToken = ttftMs(deps.latency, usage);
  const duration = firstToken + outputMs(deps.latency, output);
  deps.log.add({
    ...entry,
    status: 200,
    toolResults: reply.toolResults,
    filesInContext: reply.filesInContext,
    toolCalls: reply.blocks.flatMap((b) => target(b) ?? []),
    thinkingTokens: reply.thinkingTokens,
    stopReason: reply.stopReason,
    usage,
    costUsd: costUsd(sim.model, usage),
    ttftMs: Math.round(firstToken),
    durationMs: Math.round(duration),
  });
  if (sim.stream) {
    // Thinking happens before the first visible block streams.
    await streamMessage(res, msg, { firstTokenMs: (firstToken + thinkingMs) * scale, msPerOutputToken });
  } else {
    await sleep(duration * scale);
    sendJson(res, 200, messageJson(msg));
  }
}
