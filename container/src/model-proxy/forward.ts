// One request forwarded upstream and its answer streamed back byte for byte: the request
// body is piped as it arrives, every response chunk is written as soon as it arrives
// (an SSE stream stays live), and a side copy of each chunk goes to an observer.
import { request as httpRequest } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";

/** Hop-by-hop headers (RFC 9110 §7.6.1) and what the proxy sets itself. */
const DROP_REQUEST = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "x-api-key",
  "authorization",
  "cookie",
  "accept-encoding",
]);
const DROP_RESPONSE = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "trailer", "upgrade"]);

export interface Forward {
  target: URL;
  /** Credential headers added to the request (the engine's own are dropped). */
  credential: Record<string, string>;
  /** Sees the response status and content type, then a copy of every body chunk. */
  observe: (status: number, contentType: string) => { chunk(data: Buffer): void; end(): void };
  /** Called when the upstream could not be reached or failed before answering. */
  onUpstreamError: (err: Error) => void;
}

export function forward(req: IncomingMessage, res: ServerResponse, options: Forward): void {
  const headers: OutgoingHttpHeaders = { ...pick(req.headers, DROP_REQUEST), ...options.credential };
  // Identity encoding: the observer reads the bytes, and the client gets them unchanged.
  headers["accept-encoding"] = "identity";
  const send = options.target.protocol === "https:" ? httpsRequest : httpRequest;
  const upstream = send(options.target, { method: req.method ?? "GET", headers }, (answer) => {
    const status = answer.statusCode ?? 502;
    const observer = options.observe(status, String(answer.headers["content-type"] ?? ""));
    res.writeHead(status, pick(answer.headers, DROP_RESPONSE));
    res.flushHeaders();
    answer.on("data", (data: Buffer) => observer.chunk(data));
    answer.on("end", () => observer.end());
    answer.on("error", () => res.destroy());
    answer.pipe(res);
  });
  upstream.on("error", (err) => {
    options.onUpstreamError(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ type: "error", error: { type: "api_error", message: "the model API could not be reached" } }));
  });
  // The engine gave up (aborted run, closed connection): stop the upstream call too.
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

function pick(headers: IncomingHttpHeaders, drop: ReadonlySet<string>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !drop.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}
