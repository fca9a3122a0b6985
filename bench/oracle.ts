// The resume policy in the benchmark (results.json `policy`): how far its predictions were
// from what the engine billed, what it chose, and how its cost compares with a hindsight
// oracle built from the run's own records.
//
// The oracle, per scored update of the policy's chains, takes the cheapest option that was
// open at that update and acceptable in hindsight, priced as honestly as the records allow:
// - the option the policy took: what the engine billed for the update (measured);
// - any other open option: its prediction, times the median actual/predicted ratio of that
//   option over the run's updates that took it (the pooled ratio of all options while an
//   option has fewer than MIN_OBSERVED), so a model that under- or overestimates does not
//   flatter either side;
// - acceptable: the option taken only if the update was done right; plain fresh only for an
//   ordinary edit (the oracle knows which updates refer to earlier ones); resume, compact then
//   resume and a handoff otherwise (they carry the context).
// What it cannot know: the real cost of an option not taken (only a prediction, and the
// options taken were the ones predicted cheapest, so their ratios lean high: the winner's
// curse); whether an option not taken would have been done right; and what a different
// choice would have done to later updates (it is greedy per update, from the state the
// policy's own chain was in). It does not re-run options from a snapshot (issue #10 point 5).
import { percentile, sum } from "./stats.ts";
import type { ModeStats, UpdateRecord } from "./types.ts";

/** Observations of an option before its own actual/predicted ratio is used. */
export const MIN_OBSERVED = 3;

export interface Target {
  name: string;
  value: number | null;
  /** What the issue asks, in words. */
  target: string;
  met: boolean | null;
}

export interface OracleResult {
  /** Scored updates of the policy's chains the oracle priced. */
  updates: number;
  policyCostUsd: number;
  oracleCostUsd: number;
  /** What the oracle took, by option. */
  choices: Record<string, number>;
  /** Share of the updates where the oracle took the policy's option. */
  agreement: number | null;
  /** actual / predicted per option as applied to the options not taken; n = updates that took it. */
  correction: Record<string, { n: number; ratio: number }>;
  perScenario: Record<string, { updates: number; oracleCostRatio: number | null }>;
}

export interface PolicyResult {
  mode: string;
  /** Updates whose path ran as planned: the actual is the chosen option's. */
  scored: number;
  unscored: number;
  /** |actual - predicted| / actual over the scored updates (actual: the engine's bill for the job). */
  predictionErrorMedian: number | null;
  predictionErrorP90: number | null;
  choices: Record<string, number>;
  cacheTtl: Record<string, number>;
  /** Policy cost / oracle cost over the oracle's updates. */
  oracleCostRatio: number | null;
  oracle: OracleResult;
  targets: Target[];
}

export interface ScenarioUpdates {
  scenario: string;
  updates: readonly UpdateRecord[];
}

type Scored = UpdateRecord & { policy: NonNullable<UpdateRecord["policy"]> & { predictedCostUsd: number } };

function isScored(u: UpdateRecord): u is Scored {
  return u.status === "succeeded" && u.policy !== null && u.policy.actualCostUsd !== null && u.policy.predictedCostUsd !== null && u.policy.predictedCostUsd > 0 && u.costUsd > 0;
}

function countBy(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[item] = (out[item] ?? 0) + 1;
  return out;
}

function median(values: readonly number[]): number | null {
  return percentile(values, 0.5);
}

/** actual / predicted of each option over the updates that took it. */
function corrections(scored: readonly Scored[]): Record<string, { n: number; ratio: number }> {
  const ratios = (of: readonly Scored[]): number[] => of.map((u) => u.costUsd / u.policy.predictedCostUsd);
  const pooled = median(ratios(scored)) ?? 1;
  const options = [...new Set(scored.flatMap((u) => u.policy.predictions.map((p) => p.option)))];
  return Object.fromEntries(options.map((option) => {
    const own = ratios(scored.filter((u) => u.policy.choice === option));
    return [option, { n: own.length, ratio: own.length >= MIN_OBSERVED ? (median(own) ?? pooled) : pooled }];
  }));
}

/** The oracle's option and cost for one update. */
function oracleFor(u: Scored, correction: Record<string, { n: number; ratio: number }>): { option: string; costUsd: number } {
  const acceptable = u.policy.predictions.filter((p) => {
    if (!p.allowed) return false;
    if (p.option === u.policy.choice) return u.right !== false;
    return p.option !== "fresh" || u.kind === "edit";
  });
  const priced = acceptable.map((p) => ({ option: p.option, costUsd: p.option === u.policy.choice ? u.costUsd : p.costUsd * (correction[p.option]?.ratio ?? 1) }));
  const best = priced.sort((a, b) => a.costUsd - b.costUsd)[0];
  // Nothing acceptable was open (a context-dependent update with only plain fresh open): what was done.
  return best ?? { option: u.policy.choice, costUsd: u.costUsd };
}

export function oracle(chains: readonly ScenarioUpdates[]): OracleResult {
  const scored = chains.flatMap((c) => c.updates.filter(isScored));
  const correction = corrections(scored);
  const priced = chains.map((c) => {
    const mine = c.updates.filter(isScored);
    return { scenario: c.scenario, policy: mine.map((u) => ({ costUsd: u.costUsd, option: u.policy.choice })), oracle: mine.map((u) => oracleFor(u, correction)) };
  });
  const policyCostUsd = sum(priced.flatMap((p) => p.policy.map((x) => x.costUsd)));
  const oracleCostUsd = sum(priced.flatMap((p) => p.oracle.map((x) => x.costUsd)));
  const pairs = priced.flatMap((p) => p.policy.map((x, i) => x.option === p.oracle[i]?.option));
  const perScenario: OracleResult["perScenario"] = {};
  for (const p of priced) {
    const o = sum(p.oracle.map((x) => x.costUsd));
    perScenario[p.scenario] = { updates: p.oracle.length, oracleCostRatio: o > 0 ? sum(p.policy.map((x) => x.costUsd)) / o : null };
  }
  return {
    updates: scored.length,
    policyCostUsd,
    oracleCostUsd,
    choices: countBy(priced.flatMap((p) => p.oracle.map((x) => x.option))),
    agreement: pairs.length === 0 ? null : pairs.filter(Boolean).length / pairs.length,
    correction,
    perScenario,
  };
}

/** The targets (#10), from the summary and the policy's figures. */
/**
 * Issue #15's targets: against the status quo (legacy) and the same pipeline's plain fresh,
 * context quality against resume and fresh, wall time against legacy, prediction error.
 * A target whose inputs the run lacks (a mode not run) is not judged (met: null).
 */
export function policyTargets(summary: Readonly<Record<string, ModeStats>>, mode: string, ratio: number | null, errorMedian: number | null, errorP90: number | null): Target[] {
  const cost = (m: string): number | null => summary[m]?.costUsd.mean ?? null;
  const quality = (m: string): number | null => summary[m]?.qualityScore ?? null;
  const wall = (m: string): number | null => summary[m]?.wallMs.p50 ?? null;
  const over = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : a / b);
  const minus = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a - b);
  const judged = (value: number | null, test: (v: number) => boolean): boolean | null => (value === null ? null : test(value));
  const vsLegacy = over(cost(mode), cost("legacy"));
  const vsFresh = over(cost(mode), cost("fresh"));
  const qResume = minus(quality(mode), quality("resume"));
  const qFresh = minus(quality(mode), quality("fresh"));
  const wallVsLegacy = over(wall(mode), wall("legacy"));
  return [
    { name: "cost vs legacy", value: vsLegacy, target: "≤ 0.50", met: judged(vsLegacy, (v) => v <= 0.5) },
    { name: "cost vs fresh", value: vsFresh, target: "≤ 1.00", met: judged(vsFresh, (v) => v <= 1) },
    { name: "cost vs the hindsight oracle", value: ratio, target: "≤ 1.10", met: judged(ratio, (v) => v <= 1.1) },
    // Scores are shares: 1e-9 absorbs float noise at the boundary.
    { name: "context quality minus resume's", value: qResume, target: "≥ -0.02 (2 points)", met: judged(qResume, (v) => v >= -0.02 - 1e-9) },
    { name: "context quality minus fresh's", value: qFresh, target: "≥ +0.10 (10 points)", met: judged(qFresh, (v) => v >= 0.1 - 1e-9) },
    { name: "wall p50 vs legacy", value: wallVsLegacy, target: "≤ 0.60", met: judged(wallVsLegacy, (v) => v <= 0.6) },
    { name: "median prediction error", value: errorMedian, target: "< 0.10", met: judged(errorMedian, (v) => v < 0.1) },
    { name: "p90 prediction error", value: errorP90, target: "< 0.25", met: judged(errorP90, (v) => v < 0.25) },
  ];
}

export function policyResult(mode: string, chains: readonly ScenarioUpdates[], summary: Readonly<Record<string, ModeStats>>): PolicyResult {
  const all = chains.flatMap((c) => c.updates);
  const scored = all.filter(isScored);
  const errors = scored.map((u) => Math.abs(u.costUsd - u.policy.predictedCostUsd) / u.costUsd);
  const o = oracle(chains);
  const oracleCostRatio = o.oracleCostUsd > 0 ? o.policyCostUsd / o.oracleCostUsd : null;
  const predictionErrorMedian = median(errors);
  const predictionErrorP90 = percentile(errors, 0.9);
  return {
    mode,
    scored: scored.length,
    unscored: all.length - scored.length,
    predictionErrorMedian,
    predictionErrorP90,
    choices: countBy(all.flatMap((u) => (u.policy === null ? [] : [u.policy.choice]))),
    cacheTtl: countBy(all.flatMap((u) => (u.policy?.cacheTtl == null ? [] : [u.policy.cacheTtl]))),
    oracleCostRatio,
    oracle: o,
    targets: policyTargets(summary, mode, oracleCostRatio, predictionErrorMedian, predictionErrorP90),
  };
}
