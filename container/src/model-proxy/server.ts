// The model proxy: the engine's ANTHROPIC_BASE_URL. It listens on loopback inside the
// runner process, accepts only the live token of a run (the engine never holds the real
// credential), swaps in the real credential, forwards the Messages API routes the engine
// uses to the real API, and counts every call's tokens on the way back.
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { printOf } from "./cache/body-copy.ts";
import type { CacheWatch } from "./cache/watch.ts";
import { forward } from "./forward.ts";
import { UsageMeter } from "./meter.ts";
import { allowedRoute } from "./routes.ts";
import { RunTokens } from "./tokens.ts";
import type { RunTraffic } from "./tokens.ts";

export type { RunTraffic } from "./tokens.ts";

export interface ModelUpstream {
  /** The real API's base URL, e.g. https://api.anthropic.com (a path prefix is kept). */
  baseUrl: string;
  /** Headers that authenticate to it; null sends none (a local simulator needs none). */
  credential: Record<string, string> | null;
}

export interface RunAccess {
  baseUrl: string;
  token: string;
}

export interface ModelProxy {
  url: string;
  /**
   * A token for one run's engine; it works until `closeRun` or `ttlMs`, whichever comes first.
   * With a cache watch, every answered /v1/messages call is fingerprinted and classified.
   */
  openRun(runId: string, ttlMs: number, cache?: CacheWatch): RunAccess;
  /** Revokes the run's token and returns what its engine did through the proxy. */
  closeRun(access: RunAccess): RunTraffic;
  close(): Promise<void>;
}

export interface ModelProxyOptions {
  upstream: ModelUpstream;
  /** 0 or omitted picks a free port; the proxy only ever listens on 127.0.0.1. */
  port?: number;
  log: (line: string) => void;
  now?: () => number;
}

export async function startModelProxy(options: ModelProxyOptions): Promise<ModelProxy> {
  const tokens = new RunTokens(options.now);
  const now = options.now ?? Date.now;
  const watches = new Map<string, CacheWatch>();
  const base = new URL(options.upstream.baseUrl);
  if (base.protocol !== "http:" && base.protocol !== "https:") throw new Error(`model API base URL must be http(s): ${base.protocol}`);
  const prefix = base.pathname.replace(/\/+$/, "");

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      // Never let one odd request take the runner down with it.
      options.log(`model proxy: ${req.method ?? "?"} request failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) refuse(req, res, 502, "api_error", "the request could not be forwarded");
      else res.destroy();
    }
  });
  server.requestTimeout = 0; // answers stream for minutes
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const run = tokens.find(presentedToken(req) ?? "");
    if (run === null) return refuse(req, res, 401, "authentication_error", "invalid or expired run token");
    const parsed = new URL(req.url ?? "/", "http://proxy");
    const route = allowedRoute(req.method ?? "GET", parsed.pathname);
    if (route === null) return refuse(req, res, 404, "not_found_error", "not found");
    run.requests++;
    const watch = route.metered ? watches.get(run.runId) : undefined;
    const arrived = now();
    const print = watch === undefined ? null : printOf(req);
    const target = new URL(`${prefix}${route.path}${parsed.search}`, base.origin);
    forward(req, res, {
      target,
      credential: options.upstream.credential ?? {},
      observe: (status, contentType) => {
        if (!route.metered || status !== 200) return { chunk: () => undefined, end: () => undefined };
        const meter = new UsageMeter(contentType);
        return {
          chunk: (data) => meter.feed(data),
          end: () => {
            const seen = meter.end();
            run.messages += seen.messages;
            for (const key of Object.keys(seen.usage) as (keyof typeof seen.usage)[]) run.usage[key] += seen.usage[key];
            if (watch === undefined || print === null || seen.messages === 0) return;
            void print.then((fingerprints) => {
              if (fingerprints === null) return;
              watch.observe(arrived, fingerprints, {
                readTokens: seen.usage.cacheReadInputTokens,
                writeTokens: seen.usage.cacheCreationInputTokens,
                writeTokens1h: seen.cacheCreation1hTokens,
                inputTokens: seen.usage.inputTokens,
              });
            });
          },
        };
      },
      onUpstreamError: (err) => options.log(`model proxy: run ${run.runId}: ${req.method ?? "?"} ${route.path} failed upstream: ${err.message}`),
    });
  }

  return {
    url,
    openRun(runId, ttlMs, cache) {
      if (cache !== undefined) watches.set(runId, cache);
      return { baseUrl: url, token: tokens.issue(runId, ttlMs) };
    },
    closeRun(access) {
      const seen = tokens.revoke(access.token);
      if (seen === null) throw new Error("closeRun: unknown run token");
      watches.delete(seen.runId);
      return seen;
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The engine sends its key as `x-api-key` (API key) or `Authorization: Bearer` (auth token). */
function presentedToken(req: IncomingMessage): string | null {
  const apiKey = req.headers["x-api-key"];
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  if (typeof apiKey === "string" && bearer !== undefined && apiKey !== bearer) return null;
  return typeof apiKey === "string" ? apiKey : (bearer ?? null);
}

/** An Anthropic-shaped error; the request body is drained so the connection can be reused. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, type: string, message: string): void {
  req.resume();
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ type: "error", error: { type, message } }));
}
