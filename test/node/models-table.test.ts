// The model table (src/models/table.ts) is an extract of the maintained catalog
// @pydantic/genai-prices: every price and context window must match the installed catalog,
// so upgrading the catalog with a new price fails here until the table follows.
import { calcPrice, findProvider } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { costRelativeError, priceUsd, usageFromApi, ZERO_USAGE } from "../../src/models/pricing.ts";
import type { TokenUsage } from "../../src/models/pricing.ts";
import { ENGINE_DEFAULT_MODEL, findModel, MODELS } from "../../src/models/table.ts";

/** A request-sized usage (below every long-context tier), with every price column in play. */
const USAGE: TokenUsage = { inputTokens: 1_200, cacheWrite5mTokens: 30_000, cacheWrite1hTokens: 20_000, cacheReadTokens: 90_000, outputTokens: 2_500 };

/** The catalog's price of the same usage (its input_tokens include the cached ones). */
function catalogPrice(id: string, u: TokenUsage): { price: number; contextWindow: number | undefined } | null {
  const result = calcPrice(
    {
      input_tokens: u.inputTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens + u.cacheReadTokens,
      cache_write_tokens: u.cacheWrite5mTokens + u.cacheWrite1hTokens,
      cache_write_1h_tokens: u.cacheWrite1hTokens,
      cache_read_tokens: u.cacheReadTokens,
      output_tokens: u.outputTokens,
    },
    id,
    { providerId: "anthropic" },
  );
  return result === null ? null : { price: result.total_price, contextWindow: result.model.context_window };
}

describe("model table", () => {
  it.each(MODELS.map((m) => [m.id, m] as const))("%s matches @pydantic/genai-prices", (id, spec) => {
    const catalog = catalogPrice(id, USAGE);
    expect(catalog).not.toBeNull();
    expect(priceUsd(id, USAGE)).toBeCloseTo(catalog?.price ?? Number.NaN, 12);
    expect(spec.contextWindowTokens).toBe(catalog?.contextWindow);
    // Each column on its own, so a compensating pair of errors cannot hide.
    for (const [column, usage] of [
      ["input", { ...USAGE, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, outputTokens: 0 }],
      ["output", { ...USAGE, inputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 }],
      ["cache read", { ...USAGE, inputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 0 }],
      ["5-minute write", { ...USAGE, inputTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, outputTokens: 0 }],
      ["1-hour write", { ...USAGE, inputTokens: 0, cacheWrite5mTokens: 0, cacheReadTokens: 0, outputTokens: 0 }],
    ] as const) {
      expect(priceUsd(id, usage), column).toBeCloseTo(catalogPrice(id, usage)?.price ?? Number.NaN, 12);
    }
  });

  it("knows the engine's default model with the figures fitted from Claude Code's total_cost_usd", () => {
    expect(findModel(ENGINE_DEFAULT_MODEL)).toMatchObject({
      prices: { inputPerMTok: 4, cacheWrite5mPerMTok: 5, cacheWrite1hPerMTok: 8, cacheReadPerMTok: 0.2, outputPerMTok: 20 },
      minCacheableTokens: 512,
    });
    // The catalog entry the table copied is the one the catalog itself picks for the id.
    expect(findProvider({ providerId: "anthropic" })?.models.some((m) => m.id === ENGINE_DEFAULT_MODEL)).toBe(true);
  });

  it("finds a model by id or dated id only", () => {
    expect(findModel("claude-sonnet-4-5-20250929")?.id).toBe("claude-sonnet-4-5");
    expect(findModel("claude-opus-4-20250514")?.id).toBe("claude-opus-4");
    expect(findModel("claude-opus-4-5")?.id).toBe("claude-opus-4-5");
    expect(findModel("claude-opus-4-6")).toBeNull();
    expect(findModel("claude-opus-5-5-preview")).toBeNull();
  });

  it("prices API usage split by TTL and measures the engine's divergence from the table", () => {
    const usage = usageFromApi({
      input_tokens: 10,
      output_tokens: 1_000,
      cache_read_input_tokens: 50_000,
      cache_creation_input_tokens: 3_000,
      cache_creation: { ephemeral_5m_input_tokens: 2_000, ephemeral_1h_input_tokens: 1_000 },
    });
    expect(usage).toEqual({ inputTokens: 10, cacheWrite5mTokens: 2_000, cacheWrite1hTokens: 1_000, cacheReadTokens: 50_000, outputTokens: 1_000 });
    // Without the breakdown every write is a 5-minute write (the API's default TTL).
    expect(usageFromApi({ input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 7 }).cacheWrite5mTokens).toBe(7);
    const table = (10 * 4 + 2_000 * 5 + 1_000 * 8 + 50_000 * 0.2 + 1_000 * 20) / 1e6;
    expect(priceUsd("claude-opus-5-5", usage)).toBeCloseTo(table, 12);
    expect(costRelativeError("claude-opus-5-5", usage, table)).toBe(0);
    expect(costRelativeError("claude-opus-5-5", usage, table * 1.01)).toBeCloseTo(0.01 / 1.01, 9);
    // The old simulator table ($5 / $25, reads 0.1x) is far outside 0.5%.
    const stale = (10 * 5 + 2_000 * 6.25 + 1_000 * 10 + 50_000 * 0.5 + 1_000 * 25) / 1e6;
    expect(costRelativeError("claude-opus-5-5", usage, stale)).toBeGreaterThan(0.005);
    expect(costRelativeError("claude-unknown", usage, table)).toBeNull();
    expect(costRelativeError("claude-opus-5-5", ZERO_USAGE, 0)).toBe(0);
    expect(costRelativeError("claude-opus-5-5", usage, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});
