// Cost and time of one step from the shape of its conversation. A step starts from a prompt
// of `cached + written` tokens (the part read from the prompt cache and the part written to
// it) and makes `calls` model calls; each later call reads the previous prompt from the
// cache and writes what was added since (tool calls and results), `growth` in all. Claude
// Code puts a cache breakpoint on the last message of every call, so this is what it bills;
// checked against the engine and the simulator in test/node/policy-engine.test.ts. A prompt
// shorter than the model's minimum cacheable prefix is neither written nor read: all input.
import type { ModelPrices } from "../models/table.ts";
import type { CacheTtl } from "../runner/protocol.ts";
import { LATENCY } from "./engine-model.ts";

export interface StepSpec {
  /** Start prompt tokens read from the cache on the first call. */
  cached: number;
  /** Start prompt tokens written to the cache on the first call. */
  written: number;
  /** Plain input after the last breakpoint (the compaction instruction); billed at the input price. */
  uncached?: number;
  calls: number;
  growth: number;
  output: number;
  /** TTL of the writes (the run's cacheTtl). */
  ttl: CacheTtl;
  /** The model's minimum cacheable prefix (src/models/table.ts); 0: none. */
  floorTokens: number;
}

export interface StepEstimate {
  costUsd: number;
  durationMs: number;
  readTokens: number;
  writeTokens: number;
}

export function estimateStep(prices: ModelPrices, s: StepSpec): StepEstimate {
  const calls = Math.max(1, s.calls);
  const start = s.cached + s.written;
  // Growth arrives evenly between calls: the k-th later call also reads (k-1)/(calls-1) of it.
  const laterReads = (calls - 1) * start + (s.growth * Math.max(0, calls - 2)) / 2;
  // Below the floor the step is billed as plain input throughout (a later call that grows
  // past the floor would start caching: an overestimate by at most a few hundred tokens).
  const belowFloor = start < s.floorTokens;
  const readTokens = belowFloor ? 0 : s.cached + laterReads;
  const writeTokens = belowFloor ? 0 : s.written + s.growth;
  const uncached = (s.uncached ?? 0) + (belowFloor ? s.cached + laterReads + s.written + s.growth : 0);
  const writePrice = s.ttl === "1h" ? prices.cacheWrite1hPerMTok : prices.cacheWrite5mPerMTok;
  const costUsd = (readTokens * prices.cacheReadPerMTok + writeTokens * writePrice + uncached * prices.inputPerMTok + s.output * prices.outputPerMTok) / 1e6;
  const prefillMs = (writeTokens + uncached) * LATENCY.msPerUncachedToken + readTokens * LATENCY.msPerCachedToken;
  const durationMs = LATENCY.stepOverheadMs + calls * LATENCY.callBaseMs + prefillMs + (s.output / LATENCY.outputTokensPerSecond) * 1000;
  return { costUsd, durationMs, readTokens, writeTokens };
}

export function addEstimates(parts: readonly StepEstimate[]): StepEstimate {
  return parts.reduce(
    (sum, p) => ({ costUsd: sum.costUsd + p.costUsd, durationMs: sum.durationMs + p.durationMs, readTokens: sum.readTokens + p.readTokens, writeTokens: sum.writeTokens + p.writeTokens }),
    { costUsd: 0, durationMs: 0, readTokens: 0, writeTokens: 0 },
  );
}
