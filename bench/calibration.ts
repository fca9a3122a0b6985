// Engine against table: for every step the benchmark runs, Claude Code's own cost of the
// step (its total_cost_usd delta) against the model table's price of the same model calls
// (the simulator's request log, matched by the `x-claude-code-session-id` of each call,
// cache writes priced by TTL). The benchmark refuses its own numbers when they disagree by
// more than MAX_RELATIVE_ERROR: a new engine version with new prices must not skew them.
import { priceUsd, usageFromApi } from "../src/models/pricing.ts";
import type { JobStep } from "./job-steps.ts";
import type { ModelCall } from "./sim-log.ts";

export const MAX_RELATIVE_ERROR = 0.005;

export interface StepCheck {
  chain: string;
  version: number;
  step: string;
  sessionId: string;
  requests: number;
  model: string | null;
  engineUsd: number;
  tableUsd: number;
  /** |table - engine| / engine; 1 when no call of the step was found or its model is not in the table. */
  relativeError: number;
}

/** The table's price of some model calls (prices are linear, so call by call); null when a model is not in the table. */
function tablePrice(calls: readonly ModelCall[]): number | null {
  let total = 0;
  for (const c of calls) {
    const price = c.usage === null ? 0 : priceUsd(c.model ?? "", usageFromApi(c.usage));
    if (price === null) return null;
    total += price;
  }
  return total;
}

export function checkSteps(chain: string, version: number, steps: readonly JobStep[], calls: readonly ModelCall[]): StepCheck[] {
  return steps.map((s) => {
    const mine = calls.filter((c) => c.sessionId === s.sessionId && c.usage !== null);
    const price = tablePrice(mine);
    const tableUsd = price ?? 0;
    const relativeError = price === null || mine.length === 0 ? 1 : s.costUsd === 0 ? (tableUsd === 0 ? 0 : 1) : Math.abs(tableUsd - s.costUsd) / s.costUsd;
    return { chain, version, step: s.step, sessionId: s.sessionId, requests: mine.length, model: mine[0]?.model ?? null, engineUsd: s.costUsd, tableUsd, relativeError };
  });
}

export interface Calibration {
  /** The largest relative error over every step; null when no step ran. */
  maxRelativeError: number | null;
  limit: number;
  steps: number;
  ok: boolean;
  /** The five steps furthest apart. */
  worst: StepCheck[];
}

export function calibration(checks: readonly StepCheck[]): Calibration {
  const sorted = [...checks].sort((a, b) => b.relativeError - a.relativeError);
  const max = sorted[0]?.relativeError ?? null;
  return { maxRelativeError: max, limit: MAX_RELATIVE_ERROR, steps: checks.length, ok: max !== null && max <= MAX_RELATIVE_ERROR, worst: sorted.slice(0, 5) };
}

export function calibrationMessage(c: Calibration): string {
  const w = c.worst[0];
  if (c.maxRelativeError === null || w === undefined) return "calibration: no step ran, nothing to compare";
  const pct = (v: number): string => `${(v * 100).toFixed(3)}%`;
  const head = `calibration: the model table and Claude Code's total_cost_usd differ by up to ${pct(c.maxRelativeError)} over ${c.steps} steps (limit ${pct(c.limit)})`;
  if (c.ok) return head;
  return `${head}.\nWorst: ${w.chain} version ${w.version} ${w.step} (${w.model ?? "no model call found"}, ${w.requests} calls): engine $${w.engineUsd.toFixed(6)}, table $${w.tableUsd.toFixed(6)}.\nThe engine prices this model differently from src/models (a new Claude Code version?): fix the table before trusting any cost here.`;
}
