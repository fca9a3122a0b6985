// Prices a model call's usage with the model table, and compares that price with what the
// engine (Claude Code) reported, so a benchmark can refuse to run on a table the engine
// disagrees with.
import { findModel } from "./table.ts";
import type { ModelPrices } from "./table.ts";

/** Tokens of one or more model calls, with cache writes split by TTL (they are priced apart). */
export interface TokenUsage {
  /** Prompt tokens neither read from nor written to the cache. */
  inputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  /** Output tokens, thinking included (the API bills them as output). */
  outputTokens: number;
}

/** The Messages API's `usage` object, as far as prices need it (any client's type fits). */
export interface ApiUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number } | null;
}

export const ZERO_USAGE: TokenUsage = { inputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, outputTokens: 0 };

/** Splits an API usage by TTL; without the `cache_creation` breakdown every write counts as 5-minute (the API's default TTL). */
export function usageFromApi(u: ApiUsage): TokenUsage {
  const writes = u.cache_creation_input_tokens ?? 0;
  const oneHour = u.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  return {
    inputTokens: u.input_tokens,
    cacheWrite5mTokens: u.cache_creation?.ephemeral_5m_input_tokens ?? writes - oneHour,
    cacheWrite1hTokens: oneHour,
    cacheReadTokens: u.cache_read_input_tokens ?? 0,
    outputTokens: u.output_tokens,
  };
}

export function priceWith(prices: ModelPrices, u: TokenUsage): number {
  const micro =
    u.inputTokens * prices.inputPerMTok +
    u.cacheWrite5mTokens * prices.cacheWrite5mPerMTok +
    u.cacheWrite1hTokens * prices.cacheWrite1hPerMTok +
    u.cacheReadTokens * prices.cacheReadPerMTok +
    u.outputTokens * prices.outputPerMTok;
  return micro / 1_000_000;
}

/** USD for this usage of `model`; null when the model is not in the table. */
export function priceUsd(model: string, usage: TokenUsage): number | null {
  const spec = findModel(model);
  return spec === null ? null : priceWith(spec.prices, usage);
}

/**
 * |table − engine| / engine for the same usage: how far the table's price of a run is from
 * the engine's own total_cost_usd (0.005 = 0.5%). 0 when both are 0; Infinity when only the
 * engine says 0; null when the model is not in the table.
 */
export function costRelativeError(model: string, usage: TokenUsage, engineCostUsd: number): number | null {
  const table = priceUsd(model, usage);
  if (table === null) return null;
  if (engineCostUsd === 0) return table === 0 ? 0 : Number.POSITIVE_INFINITY;
  return Math.abs(table - engineCostUsd) / Math.abs(engineCostUsd);
}
