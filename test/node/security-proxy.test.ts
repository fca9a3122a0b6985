// The model proxy (container/src/model-proxy) against a tiny upstream this test controls:
// run tokens in, the real credential out, only the engine's routes, answers streamed live.
import { createServer, request } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UsageMeter } from "../../container/src/model-proxy/meter.ts";
import { startModelProxy } from "../../container/src/model-proxy/server.ts";
import type { ModelProxy } from "../../container/src/model-proxy/server.ts";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

const REAL_KEY = "sk-real-upstream-key-0123456789";
const sse = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const START = sse("message_start", { message: { id: "m1", type: "message", role: "assistant", content: [], usage: { input_tokens: 11, output_tokens: 1, cache_read_input_tokens: 100, cache_creation_input_tokens: 7 } } });
const REST = [
  sse("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
  sse("content_block_delta", { index: 0, delta: { type: "text_delta", text: "héllo" } }),
  sse("content_block_stop", { index: 0 }),
  sse("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 42 } }),
  sse("message_stop", {}),
].join("");

let upstream: Server;
let upstreamUrl: string;
let proxy: ModelProxy;
let seen: Seen[] = [];
/** The streaming answer waits here after message_start until the test releases it. */
let release: () => void = () => undefined;
let released: Promise<void> = Promise.resolve();
let now = 1_000_000;

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
  if (req.url?.startsWith("/base/v1/messages?") || req.url === "/base/v1/messages") {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { stream?: boolean };
    if (body.stream !== true) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ type: "message", content: [], usage: { input_tokens: 5, output_tokens: 6, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(START);
    await released;
    res.end(REST);
    return;
  }
  res.writeHead(200, { "content-type": "application/json", "x-upstream": "yes" });
  res.end(JSON.stringify({ ok: true, url: req.url }));
}

beforeAll(async () => {
  upstream = createServer((req, res) => void answer(req, res));
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/base`;
  proxy = await startModelProxy({ upstream: { baseUrl: upstreamUrl, credential: { "x-api-key": REAL_KEY } }, log: () => undefined, now: () => now });
});

afterAll(async () => {
  await proxy?.close();
  upstream?.closeAllConnections();
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  released = new Promise<void>((resolve) => {
    release = resolve;
  });
});

const post = (path: string, token: string | null, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${proxy.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token !== null ? { "x-api-key": token } : {}), ...headers },
    body: JSON.stringify(body),
  });

describe("model proxy", () => {
  it("streams an SSE answer as it comes: the first event arrives while the upstream still holds the rest", async () => {
    const access = proxy.openRun("stream", 60_000);
    const res = await post("/v1/messages?beta=true", access.token, { model: "m", stream: true, messages: [] });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body?.getReader();
    if (reader === undefined) throw new Error("no body");
    const decoder = new TextDecoder();
    let first = "";
    while (!first.includes("\n\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("stream ended before the first event");
      first += decoder.decode(value, { stream: true });
    }
    // The upstream has not sent anything past message_start yet.
    expect(first).toBe(START);
    release();
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
    }
    expect(first + rest).toBe(START + REST);

    // The upstream saw the real key, never the run token; the query string went along.
    expect(seen[0]?.url).toBe("/base/v1/messages?beta=true");
    expect(seen[0]?.headers["x-api-key"]).toBe(REAL_KEY);
    expect(JSON.stringify(seen[0]?.headers)).not.toContain(access.token);
    // Usage as the stream carried it: message_start, with message_delta's output count.
    expect(proxy.closeRun(access)).toEqual({
      runId: "stream",
      requests: 1,
      messages: 1,
      usage: { inputTokens: 11, outputTokens: 42, cacheReadInputTokens: 100, cacheCreationInputTokens: 7 },
    });
  });

  it("forwards count_tokens and models, accepts the token as a bearer, and meters JSON answers", async () => {
    const access = proxy.openRun("routes", 60_000);
    release();
    const json = await post("/v1/messages", null, { stream: false }, { authorization: `Bearer ${access.token}` });
    expect(json.status).toBe(200);
    const count = await post("/v1/messages/count_tokens?beta=true", access.token, { messages: [] });
    expect(await count.json()).toEqual({ ok: true, url: "/base/v1/messages/count_tokens?beta=true" });
    const models = await fetch(`${proxy.url}/v1/models`, { headers: { "x-api-key": access.token } });
    expect(models.headers.get("x-upstream")).toBe("yes");
    const model = await fetch(`${proxy.url}/v1/models/claude-sonnet-4-5`, { headers: { "x-api-key": access.token } });
    expect(model.status).toBe(200);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "POST /base/v1/messages",
      "POST /base/v1/messages/count_tokens?beta=true",
      "GET /base/v1/models",
      "GET /base/v1/models/claude-sonnet-4-5",
    ]);
    for (const s of seen) {
      expect(s.headers["x-api-key"]).toBe(REAL_KEY);
      expect(s.headers.authorization).toBeUndefined();
    }
    expect(seen[1]?.body).toBe(JSON.stringify({ messages: [] }));
    const traffic = proxy.closeRun(access);
    expect(traffic.requests).toBe(4);
    expect(traffic.usage).toEqual({ inputTokens: 5, outputTokens: 6, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 });
  });

  it("answers 401 to a missing, wrong, ended or expired run token, and forwards nothing", async () => {
    release();
    const ended = proxy.openRun("ended", 60_000);
    proxy.closeRun(ended);
    const expiring = proxy.openRun("expiring", 1_000);
    now += 1_000;
    const live = proxy.openRun("live", 60_000);
    const tries: Array<Record<string, string>> = [
      {},
      { "x-api-key": "run-not-a-real-token" },
      { "x-api-key": REAL_KEY },
      { "x-api-key": ended.token },
      { "x-api-key": expiring.token },
      { authorization: `Bearer ${ended.token}` },
      // Two different credentials at once: refused rather than guessed.
      { "x-api-key": live.token, authorization: "Bearer something-else" },
    ];
    for (const headers of tries) {
      const res = await fetch(`${proxy.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(await res.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    }
    expect(seen).toEqual([]);
    expect(proxy.closeRun(expiring).requests).toBe(0);
    proxy.closeRun(live);
  });

  it("answers 404 to every other route, also with a live token", async () => {
    const access = proxy.openRun("routes-404", 60_000);
    const tries: Array<[string, string]> = [
      ["POST", "/v1/complete"],
      ["GET", "/v1/files"],
      ["POST", "/v1/messages/batches"],
      ["GET", "/v1/messages"],
      ["DELETE", "/v1/models/claude-sonnet-4-5"],
      ["POST", "/v1/messages/../files"],
      ["POST", "/v1/messages/%2e%2e/files"],
      ["GET", "/v1/models/a/b"],
      ["GET", "/v1/models/..%2f..%2fv1%2ffiles"],
      ["POST", "//v1/messages"],
      ["GET", "/__sim/requests"],
      ["GET", "/"],
    ];
    for (const [method, path] of tries) expect(await rawStatus(method, path, access.token), `${method} ${path}`).toBe(404);
    // With a valid route, the same raw client gets through: the 404s above are the routes'.
    expect(await rawStatus("GET", "/v1/models", access.token)).toBe(200);
    seen = [];
    expect(seen).toEqual([]);
    expect(proxy.closeRun(access).requests).toBe(1);
  });

  it("answers 502 when the upstream cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const lines: string[] = [];
    const dead = await startModelProxy({ upstream: { baseUrl: `http://127.0.0.1:${port}`, credential: null }, log: (line) => lines.push(line) });
    try {
      const access = dead.openRun("dead", 60_000);
      const res = await fetch(`${dead.url}/v1/messages`, { method: "POST", headers: { "x-api-key": access.token }, body: "{}" });
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ type: "error", error: { type: "api_error" } });
      expect(lines.join("\n")).toMatch(/run dead: POST \/v1\/messages failed upstream/);
    } finally {
      await dead.close();
    }
  });
});

/** A request whose path is sent exactly as written (fetch would normalise `..` first). */
async function rawStatus(method: string, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${proxy.url}/`, { method, path, headers: { "x-api-key": token } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("usage meter", () => {
  it("reads the same usage however the stream is cut into chunks", () => {
    const bytes = Buffer.from(START + REST + START.replace('"output_tokens":1', '"output_tokens":3') + sse("message_stop", {}));
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const meter = new UsageMeter("text/event-stream; charset=utf-8");
      for (let i = 0; i < bytes.length; i += size) meter.feed(bytes.subarray(i, i + size));
      expect(meter.end(), `chunks of ${size}`).toEqual({
        messages: 2,
        usage: { inputTokens: 22, outputTokens: 45, cacheReadInputTokens: 200, cacheCreationInputTokens: 14 },
        cacheCreation1hTokens: 0,
      });
    }
  });

  it("counts no message that did not finish, and reads CRLF streams and JSON bodies", () => {
    const cut = new UsageMeter("text/event-stream");
    cut.feed(Buffer.from(START));
    expect(cut.end()).toEqual({ messages: 0, usage: { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 }, cacheCreation1hTokens: 0 });
    const crlf = new UsageMeter("text/event-stream");
    crlf.feed(Buffer.from((START + REST).replace(/\n/g, "\r\n")));
    expect(crlf.end().usage.outputTokens).toBe(42);
    const json = new UsageMeter("application/json");
    json.feed(Buffer.from('{"type":"message","usage":{"input_tokens":3,'));
    json.feed(Buffer.from('"output_tokens":4}}'));
    expect(json.end()).toEqual({ messages: 1, usage: { inputTokens: 3, outputTokens: 4, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 }, cacheCreation1hTokens: 0 });
  });
});
