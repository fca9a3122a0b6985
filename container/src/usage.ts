// A run's own token usage and cost. The engine's totals on a resumed or forked session
// continue from what the parent transcript saved, so the run's share is the difference.
import type { Usage } from "./protocol.ts";
import { tokenCounts } from "./transcripts.ts";
import type { CostState, TokenCounts } from "./transcripts.ts";

export interface EngineTotals {
  totalCostUsd: number;
  /** result.modelUsage: every model call (compaction included), cumulative over the chain. */
  modelUsage: Record<string, Record<string, unknown>> | null;
  /** result.usage: the main loop only, this query() call only. */
  usage: Record<string, unknown>;
}

export interface RunUsage {
  usage: Usage;
  totalCostUsd: number;
  costUsd: number;
}

export function runUsage(baseline: CostState, totals: EngineTotals): RunUsage {
  const costUsd = Math.max(0, round(totals.totalCostUsd - baseline.totalCostUsd));
  const models = totals.modelUsage === null ? [] : Object.entries(totals.modelUsage);
  if (models.length === 0) {
    // No per-model totals: fall back to the main-loop usage of this call.
    return { usage: fromApiUsage(totals.usage), totalCostUsd: totals.totalCostUsd, costUsd };
  }
  const sum: TokenCounts = { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
  for (const [model, raw] of models) {
    const now = tokenCounts(raw);
    const before = baseline.modelUsage.get(model);
    for (const key of Object.keys(sum) as (keyof TokenCounts)[]) {
      sum[key] += Math.max(0, now[key] - (before?.[key] ?? 0));
    }
  }
  return { usage: sum, totalCostUsd: totals.totalCostUsd, costUsd };
}

/** Token counts from an API `usage` object (snake_case), missing fields as 0. */
export function fromApiUsage(usage: Record<string, unknown>): Usage {
  const n = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  return {
    inputTokens: n(usage.input_tokens),
    outputTokens: n(usage.output_tokens),
    cacheCreationInputTokens: n(usage.cache_creation_input_tokens),
    cacheReadInputTokens: n(usage.cache_read_input_tokens),
  };
}

/** Float subtraction noise (0.00056 - 0.00042) should not show up as 1.3999999e-4. */
function round(value: number): number {
  return Math.round(value * 1e10) / 1e10;
}
