// Latency model: time to first token grows with the prompt the model must process (cached
// tokens far cheaper than uncached ones), then output streams at a fixed rate. Numbers are
// in the range observed for Sonnet-class models; `scale` multiplies every sleep (0: none).
import type { Usage } from "./types.ts";

export interface LatencyConfig {
  scale: number;
  ttftBaseMs: number;
  msPerUncachedToken: number;
  msPerCachedToken: number;
  outputTokensPerSecond: number;
}

export const DEFAULT_LATENCY: LatencyConfig = {
  scale: 1,
  ttftBaseMs: 500,
  msPerUncachedToken: 0.07,
  msPerCachedToken: 0.007,
  outputTokensPerSecond: 60,
};

const ENV_KEYS: ReadonlyArray<readonly [keyof LatencyConfig, string]> = [
  ["scale", "SIM_LATENCY_SCALE"],
  ["ttftBaseMs", "SIM_TTFT_BASE_MS"],
  ["msPerUncachedToken", "SIM_MS_PER_UNCACHED_TOKEN"],
  ["msPerCachedToken", "SIM_MS_PER_CACHED_TOKEN"],
  ["outputTokensPerSecond", "SIM_OUTPUT_TOKENS_PER_SECOND"],
];

export function latencyFromEnv(env: Readonly<Record<string, string | undefined>>): Partial<LatencyConfig> {
  const out: Partial<LatencyConfig> = {};
  for (const [field, name] of ENV_KEYS) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
    out[field] = value;
  }
  return out;
}

/** Modelled (unscaled) time to first token. Cache writes are processed like uncached input. */
export function ttftMs(cfg: LatencyConfig, usage: Usage): number {
  const uncached = usage.input_tokens + (usage.cache_creation_input_tokens ?? 0);
  return cfg.ttftBaseMs + uncached * cfg.msPerUncachedToken + (usage.cache_read_input_tokens ?? 0) * cfg.msPerCachedToken;
}

/** Modelled (unscaled) time to stream the output after the first token. */
export function outputMs(cfg: LatencyConfig, outputTokens: number): number {
  return cfg.outputTokensPerSecond > 0 ? (outputTokens / cfg.outputTokensPerSecond) * 1000 : 0;
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
