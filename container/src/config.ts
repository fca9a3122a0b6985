// Runner configuration, read once from the environment (or given by tests), and the
// environment each engine process gets.
import path from "node:path";
import type { ModelUpstream, RunAccess } from "./model-proxy/server.ts";
import type { ProjectPaths } from "./paths.ts";
import { EVENTS_HEARTBEAT_MS } from "./protocol.ts";
import type { CacheTtl } from "./protocol.ts";

export interface RunnerConfig {
  dataDir: string;
  /** Bearer token every request must carry; null disables auth (dev and tests). */
  token: string | null;
  maxTurns: number;
  /** Claude Code's own retries of a failed API call; the Durable Object retries `overloaded` too. */
  engineMaxRetries: number;
  runTimeoutMs: number;
  maxSnapshotBytes: number;
  maxTranscriptBytes: number;
  /** Finished runs' event logs are kept this long for callers that come back for them. */
  runRetentionMs: number;
  /** Heartbeat interval of a live events stream (EVENTS_HEARTBEAT_MS; tests shorten it). */
  eventsHeartbeatMs: number;
  /** Variables handed to the engine: model choice, timeouts, PATH, locale. */
  passThrough: Record<string, string>;
  /** Where the model proxy sends the engine's calls, with the real credential. */
  modelUpstream: ModelUpstream;
  /** Loopback port of the model proxy (RUNNER_MODEL_PROXY_PORT); 0 picks a free one. */
  modelProxyPort: number;
  /** Learned from the engine's init message; the SDK's bundled version until then. */
  engineVersion: string;
}

export type EnvLike = Record<string, string | undefined>;

/**
 * Variables the engine may see from the runner's own environment; nothing else leaks. The
 * model API's URL and credential are not among them: the engine talks to the model proxy
 * with a per-run token. Nor are HTTP proxies: the engine's only peer is on loopback.
 */
const PASS_THROUGH = [
  "ANTHROPIC_MODEL",
  "ANTHROPIC_DEFAULT_HAIKU_MODEL",
  "ANTHROPIC_DEFAULT_SONNET_MODEL",
  "ANTHROPIC_DEFAULT_OPUS_MODEL",
  "API_TIMEOUT_MS",
  "PATH",
  "LANG",
  "TMPDIR",
  "TZ",
];

/** The real API when the runner's environment names no other. */
const DEFAULT_MODEL_API = "https://api.anthropic.com";

export function loadConfig(env: EnvLike, overrides: { dataDir?: string; token?: string | null } = {}): RunnerConfig {
  const dataDir = overrides.dataDir ?? env.RUNNER_DATA_DIR ?? path.join(process.cwd(), ".dev-data", "runner");
  const token = overrides.token !== undefined ? overrides.token : nonEmpty(env.RUNNER_TOKEN);
  const passThrough: Record<string, string> = {};
  for (const key of PASS_THROUGH) {
    const value = env[key] ?? (key === "PATH" ? process.env.PATH : undefined);
    if (value !== undefined && value !== "") passThrough[key] = value;
  }
  return {
    dataDir: path.resolve(dataDir),
    token,
    maxTurns: int(env.RUNNER_MAX_TURNS, 30),
    engineMaxRetries: int(env.RUNNER_ENGINE_MAX_RETRIES, 2),
    runTimeoutMs: int(env.RUNNER_RUN_TIMEOUT_MS, 15 * 60_000),
    maxSnapshotBytes: int(env.RUNNER_MAX_SNAPSHOT_BYTES, 256 * 1024 * 1024),
    maxTranscriptBytes: int(env.RUNNER_MAX_TRANSCRIPT_BYTES, 128 * 1024 * 1024),
    runRetentionMs: int(env.RUNNER_RUN_RETENTION_HOURS, 24) * 3_600_000,
    eventsHeartbeatMs: int(env.RUNNER_EVENTS_HEARTBEAT_MS, EVENTS_HEARTBEAT_MS),
    passThrough,
    modelUpstream: modelUpstream(env),
    modelProxyPort: int(env.RUNNER_MODEL_PROXY_PORT, 0),
    engineVersion: "unknown",
  };
}

/** The runner's own ANTHROPIC_BASE_URL and key (or auth token): the proxy's upstream. */
function modelUpstream(env: EnvLike): ModelUpstream {
  const apiKey = nonEmpty(env.ANTHROPIC_API_KEY);
  const authToken = nonEmpty(env.ANTHROPIC_AUTH_TOKEN);
  return {
    baseUrl: nonEmpty(env.ANTHROPIC_BASE_URL) ?? DEFAULT_MODEL_API,
    credential: apiKey !== null ? { "x-api-key": apiKey } : authToken !== null ? { authorization: `Bearer ${authToken}` } : null,
  };
}

/** The engine's whole environment: no runner secret, only its run's proxy URL and token. */
export function engineEnv(config: RunnerConfig, paths: ProjectPaths, model: RunAccess, cacheTtl: CacheTtl | null = null): Record<string, string> {
  return {
    ...config.passThrough,
    // The run's prompt-cache TTL: this variable wins over the engine's setting and its
    // ENABLE_PROMPT_CACHING_1H (measured on 2.1.330 through the simulator's request log).
    ...(cacheTtl !== null ? { CLAUDE_CODE_PROMPT_CACHE_TTL: cacheTtl } : {}),
    ANTHROPIC_BASE_URL: model.baseUrl,
    ANTHROPIC_API_KEY: model.token,
    // Per-project HOME and config dir: transcripts and engine state never cross projects.
    HOME: paths.root,
    CLAUDE_CONFIG_DIR: paths.claudeConfig,
    // Only the model API is contacted (no telemetry, update checks, etc.).
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    // `@/etc/passwd` in a prompt would otherwise be read and attached by the engine itself,
    // with no tool call and so no confinement check (measured on 2.1.330).
    CLAUDE_CODE_DISABLE_FILE_MENTIONS: "1",
    // bypassPermissions is refused as root unless the engine is told it is sandboxed.
    IS_SANDBOX: "1",
    CLAUDE_CODE_MAX_RETRIES: String(config.engineMaxRetries),
    CLAUDE_AGENT_SDK_CLIENT_APP: "session-chain-runner/0.1.0",
  };
}

function int(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}
