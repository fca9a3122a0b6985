// The model simulator: a local HTTP server speaking the Anthropic Messages API the way
// Claude Code uses it, so the real engine runs offline (docs/simulator.md).
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { PromptCache } from "./cache.ts";
import { handleControl } from "./control.ts";
import type { ControlDeps } from "./control.ts";
import { FaultQueue } from "./faults.ts";
import { readBody, sendError, sendJson } from "./http.ts";
import { DEFAULT_LATENCY } from "./latency.ts";
import type { LatencyConfig } from "./latency.ts";
import { RequestLog } from "./log.ts";
import type { RequestLogEntry } from "./log.ts";
import { handleCountTokens, handleMessages } from "./messages.ts";
import type { MessagesDeps } from "./messages.ts";
import { findModel, listModels } from "./models.ts";

export type { RequestLogEntry } from "./log.ts";
export type { LatencyConfig } from "./latency.ts";

export interface SimulatorOptions {
  /** 0 or absent: any free port. */
  port?: number;
  host?: string;
  /** Multiplies every modelled delay; 0 answers at once. Default 1. */
  latencyScale?: number;
  /** Other latency parameters (see latency.ts). */
  latency?: Partial<Omit<LatencyConfig, "scale">>;
  /** Seeds generated content and ids. Default 1. */
  seed?: number;
  /** Clock for cache TTLs (tests). Default Date.now. */
  now?: () => number;
  /** Write every request body to this directory as <seq>.json (debugging). */
  dumpDir?: string;
}

export interface Simulator {
  url: string;
  port: number;
  close(): Promise<void>;
  /** The request log, as GET /__sim/requests returns it. */
  requests(): readonly RequestLogEntry[];
}

type Deps = ControlDeps & MessagesDeps;

async function route(req: IncomingMessage, res: ServerResponse, deps: Deps): Promise<void> {
  const method = req.method ?? "GET";
  // Claude Code adds `?beta=true`; the query string never matters here.
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const body = await readBody(req);
  if (path.startsWith("/__sim/") && handleControl(method, path, body, res, deps)) return;
  if (method === "POST" && path === "/v1/messages") return handleMessages(req, res, path, body, deps);
  if (method === "POST" && path === "/v1/messages/count_tokens") return handleCountTokens(res, body);
  if (method === "GET" && path === "/v1/models") return sendJson(res, 200, listModels());
  const modelId = method === "GET" ? /^\/v1\/models\/([^/]+)$/.exec(path)?.[1] : undefined;
  if (modelId !== undefined) {
    const model = findModel(decodeURIComponent(modelId));
    return model === null ? sendError(res, 404, `model: ${modelId}`) : sendJson(res, 200, model);
  }
  sendError(res, 404, `Not found: ${method} ${path}`);
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = { offsetMs: 0 };
  const baseNow = options.now ?? Date.now;
  const deps: Deps = {
    seed: options.seed ?? 1,
    latency: { ...DEFAULT_LATENCY, ...options.latency, scale: options.latencyScale ?? DEFAULT_LATENCY.scale },
    cache: new PromptCache(() => baseNow() + clock.offsetMs),
    faults: new FaultQueue(),
    log: new RequestLog(),
    clock,
    dumpDir: options.dumpDir ?? null,
  };
  const server = createServer((req, res) => {
    route(req, res, deps).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, error instanceof Error ? error.message : String(error));
      else res.end();
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    port,
    requests: () => deps.log.list(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
