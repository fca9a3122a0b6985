// The modelled numbers behind the predictions, each with what it models and where it comes
// from. "Measured" means: Claude Code 2.1.330 (Agent SDK 0.3.330) with the runner's tool
// list, against the model simulator, read from the simulator's request log
// (docs/policy.md, "Calibration"). Per-project learning (learn.ts) corrects all of them.

/** Tokens of a text, the simulator's rule (about 4 characters per token; code runs 3.5-4). */
export function tokensOf(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * A new session's first prompt without the request itself: tools, system prompt and the
 * environment reminders Claude Code adds. Measured: 2,216 tokens for a 46-token request.
 */
export const FRESH_SESSION_TOKENS = 2170;

/**
 * Of those, the tools + system prefix that every session of the organisation shares in the
 * cache. Measured: a fresh update's first call read 1,658 tokens from the cache.
 */
export const SHARED_PREFIX_TOKENS = 1650;

/** The prompt cache's TTLs in ms (Anthropic prompt caching: 5 minutes by default, or 1 hour). */
export const TTL_MS = { "5m": 5 * 60_000, "1h": 60 * 60_000 } as const;

/** Claude Code's `/compact` instruction, sent as plain input after the history. Measured: 1,728 tokens. */
export const COMPACTION_PROMPT_TOKENS = 1730;

/**
 * Files Claude Code re-attaches to a compacted session's next prompt (the recently used ones,
 * read from disk; docs/simulator.md "What Claude Code sends").
 */
export const COMPACTION_ATTACHED_FILES = 5;

/** The update step's final answer ("Done." and a line per instruction). Measured: 13-22 tokens. */
export const UPDATE_TAIL_TOKENS = 20;

/** A source file before the project's size is known: 1 KB. */
export const DEFAULT_FILE_TOKENS = 256;

/** Files an update changes before the project's log says otherwise (the benchmark's edits touch 2-3). */
export const DEFAULT_FILES_PER_UPDATE = 2;

/**
 * Latency of one model call: a fixed start, prefill per uncached and per cached prompt token,
 * and output at a steady rate; plus the engine's own start per step. The same model the
 * simulator uses (docs/simulator.md "Latency": 500 ms, 0.07 / 0.007 ms per token, 60 tokens/s);
 * for the real API these are first guesses that the per-project time correction replaces.
 */
export const LATENCY = {
  callBaseMs: 500,
  msPerUncachedToken: 0.07,
  msPerCachedToken: 0.007,
  outputTokensPerSecond: 60,
  /** Engine process start and transcript load per step (runner durationMs minus model time: about 1.5 s). */
  stepOverheadMs: 1500,
} as const;

/**
 * Step shapes before a project has taught its own (learn.ts). Measured on 2-file edits of a
 * 30-file project: a resumed update made 2 calls, added 202 tokens, wrote 528 output tokens
 * (thinking included); a new session made 3 calls (one batch of Reads) and 668 output tokens;
 * the metadata step made 1 call whose answer restates the documentation (about its size,
 * plus 300 tokens of thinking; the lean step's answer is that thinking plus about 70 tokens per
 * changed path: its cost rose $0.0014 a path, 1 to 3 paths, in the 2026-12-06 benchmark run
 * at 7K-token contexts); a compaction's summary was 20% of the history (6,285 of 32 K).
 */
export const PRIOR = {
  updateWarm: { calls: 2, growth: 200, output: 530 },
  updateCold: { calls: 3, growthBase: 200, output: 670 },
  metadata: { calls: 1, growth: 0, thinking: 300, leanEntryOutput: 70 },
  compactionRatio: 0.2,
} as const;
