// The whole product on one machine: Postgres (embedded by default), the model simulator
// (unless a real ANTHROPIC_API_KEY is set), the Claude runner as a Node process, and the
// Worker under wrangler dev. `npm run dev`, the end-to-end tests and the benchmark use it.
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { startRunner } from "../container/src/server.ts";
import { ensureConsoleBuilt } from "./console/build.ts";
import type { RunningRunner } from "../container/src/server.ts";
import { migrate } from "./db/migrate.ts";
import { startDatabase } from "./db/start-database.ts";
import { isLoopback, startWsProxy } from "./db/ws-proxy.ts";
import { DEV_ADMIN_TOKEN, DEV_AUTH_SECRET, DEV_METRICS_TOKEN } from "./dev-secrets.ts";
import type { DatabaseKind, RunningDatabase } from "./db/start-database.ts";
import { startSimulator } from "./simulator/server.ts";
import type { Simulator } from "./simulator/server.ts";
import { startWorker } from "./stack/worker.ts";
import type { RunningWorker } from "./stack/worker.ts";


export interface StackOptions {
  /** Where state lives across restarts; a temporary directory when omitted. */
  dataDir?: string;
  workerPort?: number;
  database?: DatabaseKind;
  /** An existing DATABASE_URL (with NEON_LOCAL_WS_PROXY if local) instead of starting one. */
  databaseUrl?: string;
  /** A real Anthropic API key: no simulator. */
  anthropicApiKey?: string;
  latencyScale?: number;
  seed?: number;
  /** Worker [vars] overrides, e.g. SESSION_RESUME_ENABLED. */
  vars?: Record<string, string>;
  /** Runner environment overrides, e.g. RUNNER_MAX_TURNS. */
  runnerEnv?: Record<string, string>;
  inheritOutput?: boolean;
}

export interface Stack {
  url: string;
  runnerUrl: string;
  simulatorUrl: string | null;
  databaseUrl: string;
  databaseKind: string;
  authSecret: string;
  /** The Worker's ADMIN_TOKEN (all-project metrics; the dev clock when DEV_CLOCK_ENABLED). */
  adminToken: string;
  /** Restarts the runner on the same port, optionally with its disk wiped (container loss). */
  restartRunner(wipe: boolean): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dataDir = options.dataDir ?? join(process.env.TMPDIR ?? "/tmp", `session-chain-${process.pid}-${Date.now()}`);
  const temporary = options.dataDir === undefined;
  await mkdir(dataDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    if (temporary) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    let db: RunningDatabase | null = null;
    let localProxy = "";
    if (options.databaseUrl === undefined) {
      const started = await startDatabase({ prefer: options.database ?? "pglite", auth: "password", ...(temporary ? {} : { persistDir: join(dataDir, "db") }) });
      stops.push(() => started.stop());
      db = started;
      localProxy = started.wsProxy;
    } else {
      // Your own database: migrated, and reached through the local proxy when it is a
      // plain Postgres on this machine (a Neon URL is used as it is, over Neon's WebSocket).
      await migrate(options.databaseUrl);
      const { hostname, port } = new URL(options.databaseUrl);
      if (hostname === "localhost" || isLoopback(hostname)) {
        const proxy = await startWsProxy({ allowedTarget: `${hostname}:${port || "5432"}` });
        stops.push(() => proxy.stop());
        localProxy = proxy.address;
      }
    }
    let simulator: Simulator | null = null;
    if (options.anthropicApiKey === undefined) {
      const started = await startSimulator({ latencyScale: options.latencyScale ?? 1, seed: options.seed ?? 1 });
      stops.push(() => started.close());
      simulator = started;
    }
    const runnerDir = join(dataDir, "runner");
    // The runner's model API: its model proxy forwards the engines' calls there (the
    // simulator, or the real API with the real key); the engines only get per-run tokens.
    const runnerEnv = {
      ...process.env,
      ANTHROPIC_BASE_URL: simulator?.url ?? process.env.ANTHROPIC_BASE_URL ?? "",
      ANTHROPIC_API_KEY: options.anthropicApiKey ?? "simulator",
      ...options.runnerEnv,
    };
    let runner: RunningRunner = await startRunner({ dataDir: runnerDir, env: runnerEnv, token: null, log: () => undefined });
    const runnerPort = runner.port;
    stops.push(() => runner.close());
    const databaseUrl = options.databaseUrl ?? db?.url ?? "";
    const adminToken = process.env.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN;
    // wrangler.toml's [assets] directory: the console, rebuilt only if its sources changed.
    await ensureConsoleBuilt();
    const worker: RunningWorker = await startWorker({
      ...(options.workerPort !== undefined ? { port: options.workerPort } : {}),
      vars: {
        RUNNER_URL: runner.url,
        NEON_LOCAL_WS_PROXY: localProxy,
        ...options.vars,
      },
      secrets: {
        AUTH_SECRET: process.env.AUTH_SECRET ?? DEV_AUTH_SECRET,
        DATABASE_URL: databaseUrl,
        METRICS_TOKEN: process.env.METRICS_TOKEN ?? DEV_METRICS_TOKEN,
        ADMIN_TOKEN: adminToken,
        RUNNER_TOKEN: "",
        ANTHROPIC_API_KEY: options.anthropicApiKey ?? "simulator",
      },
      persistDir: join(dataDir, "wrangler"),
      inheritOutput: options.inheritOutput ?? false,
    });
    stops.push(() => worker.stop());
    return {
      url: worker.url,
      runnerUrl: runner.url,
      simulatorUrl: simulator?.url ?? null,
      databaseUrl,
      databaseKind: db?.kind ?? "external",
      authSecret: process.env.AUTH_SECRET ?? DEV_AUTH_SECRET,
      adminToken,
      async restartRunner(wipe) {
        await runner.close();
        if (wipe) await rm(runnerDir, { recursive: true, force: true });
        runner = await startRunner({ port: runnerPort, dataDir: runnerDir, env: runnerEnv, token: null, log: () => undefined });
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
