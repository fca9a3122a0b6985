// The runner's HTTP server: auth, routing, error envelopes, and `startRunner` for tests,
// dev tooling and main.ts.
import { timingSafeEqual } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AppState, Route } from "./app.ts";
import { loadConfig } from "./config.ts";
import type { EnvLike, RunnerConfig } from "./config.ts";
import { bundledEngineVersion } from "./engine.ts";
import { HttpError } from "./errors.ts";
import { sendError } from "./http.ts";
import { ProjectLocks } from "./locks.ts";
import { startModelProxy } from "./model-proxy/server.ts";
import { blobRoutes } from "./routes/blobs.ts";
import { healthRoutes } from "./routes/health.ts";
import { runRoutes } from "./routes/runs.ts";
import { sessionRoutes } from "./routes/sessions.ts";
import { workspaceRoutes } from "./routes/workspace.ts";
import { RunRegistry } from "./runs/registry.ts";
import { BlobLocations } from "./tree.ts";

const ROUTES: Route[] = [...healthRoutes, ...runRoutes, ...workspaceRoutes, ...blobRoutes, ...sessionRoutes];

/** How long close() waits for stopped runs to log their final event. */
const DRAIN_MS = 10_000;

export interface StartRunnerOptions {
  /** 0 or omitted picks a free port. */
  port?: number;
  /** Default 127.0.0.1; main.ts passes 0.0.0.0 inside the container. */
  host?: string;
  /** Root of per-project directories (default RUNNER_DATA_DIR). */
  dataDir?: string;
  /** RUNNER_TOKEN, ANTHROPIC_BASE_URL + ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) of the
   * model API the proxy forwards to, RUNNER_* tuning (default process.env). */
  env?: EnvLike;
  /** Overrides env.RUNNER_TOKEN; null disables auth. */
  token?: string | null;
  log?: (line: string) => void;
}

export interface RunningRunner {
  url: string;
  port: number;
  /** The model proxy the engines use (loopback). */
  modelProxyUrl: string;
  config: RunnerConfig;
  close(): Promise<void>;
}

export async function startRunner(options: StartRunnerOptions = {}): Promise<RunningRunner> {
  const env = options.env ?? process.env;
  const config = loadConfig(env, {
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
  });
  config.engineVersion = await bundledEngineVersion();
  await mkdir(config.dataDir, { recursive: true });
  const log = options.log ?? ((line: string) => process.stderr.write(`[runner] ${line}\n`));
  const modelProxy = await startModelProxy({ upstream: config.modelUpstream, port: config.modelProxyPort, log });
  const shutdown = new AbortController();
  const locks = new ProjectLocks();
  const runs = new RunRegistry({ config, locks, modelProxy, shutdown: shutdown.signal, log });
  // Runs a previous process left unfinished are reported lost before anyone asks.
  await runs.recover();
  const app: AppState = { config, locks, modelProxy, runs, blobs: new BlobLocations(), shutdown: shutdown.signal, log };

  const server = createServer((req, res) => {
    void handle(app, req, res);
  });
  // Runs stream for minutes; the default request timeout would cut them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  const host = options.host ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    await modelProxy.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${port}`,
    port,
    modelProxyUrl: modelProxy.url,
    config,
    close: async () => {
      shutdown.abort();
      await runs.drain(DRAIN_MS);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await modelProxy.close();
    },
  };
}

async function handle(app: AppState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? "/", "http://runner");
    // Health checks carry no credentials and reveal nothing but the engine version.
    if (url.pathname !== "/healthz") authorize(app.config, req);
    let pathMatched = false;
    for (const route of ROUTES) {
      const match = route.pattern.exec(url.pathname);
      if (match === null) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      await route.handle({ req, res, params: decodeParams(match.groups ?? {}), app });
      return;
    }
    throw pathMatched
      ? new HttpError(405, "method_not_allowed", `${req.method ?? "?"} not allowed on ${url.pathname}`)
      : new HttpError(404, "not_found", `no route for ${url.pathname}`);
  } catch (err) {
    if (!(err instanceof HttpError)) {
      app.log(`${req.method ?? "?"} ${req.url ?? "?"} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    const httpError = err instanceof HttpError ? err : new HttpError(500, "internal", "internal runner error");
    if (!res.headersSent) sendError(res, httpError);
    else res.destroy();
  } finally {
    // Unread request bodies (e.g. after an early 401) would otherwise hold the socket.
    if (!req.complete) req.resume();
  }
}

function authorize(config: RunnerConfig, req: IncomingMessage): void {
  if (config.token === null) return;
  const header = req.headers.authorization ?? "";
  const expected = Buffer.from(`Bearer ${config.token}`);
  const given = Buffer.from(header);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new HttpError(401, "unauthorized", "missing or wrong bearer token");
  }
}

function decodeParams(groups: Record<string, string | undefined>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(groups)) {
    if (value === undefined) continue;
    try {
      params[key] = decodeURIComponent(value);
    } catch {
      throw new HttpError(400, "bad_request", `malformed ${key}`);
    }
  }
  return params;
}
