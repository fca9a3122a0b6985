// Paired differences between two modes over the same updates: every scenario runs the same
// seeded workload in each mode, so update n of a scenario is the same request in both, and
// the difference per update removes the requests' own spread (a large scaffold costs more in
// every mode). Computed from results.json's per-update records (chains), so an existing
// results file renders them (npm run bench:readme).
import { bootstrapMeanCi, mean } from "./stats.ts";
import type { ChainResult, UpdateRecord } from "./types.ts";

/** The comparisons the issue asks for: the policy against plain fresh and against the status quo. */
export const PAIRS: readonly (readonly [string, string])[] = [["policy", "fresh"], ["policy", "legacy"]];

/** Seed of the paired bootstrap, fixed so that the same results give the same intervals. */
export const PAIRED_SEED = 20_261_205;

export interface Difference {
  /** Mean of (a − b) over the pairs. */
  mean: number;
  /** Seeded percentile bootstrap 95% interval of that mean, resampled within each scenario. */
  ci95: [number, number];
  /** Mean of b over the same pairs, to read the difference as a share of it. */
  baseline: number;
}

export type PairedDifference =
  | { a: string; b: string; measured: true; pairs: number; scenarios: number; costUsd: Difference; wallMs: Difference }
  | { a: string; b: string; measured: false; why: string };

/** Per scenario, the updates that both modes ran, as [a, b] by update index. */
function pairsOf(chains: readonly ChainResult[], a: string, b: string): [UpdateRecord, UpdateRecord][][] {
  const scenarios = [...new Set(chains.map((c) => c.scenario))];
  return scenarios.map((scenario) => {
    const byIndex = (mode: string): Map<number, UpdateRecord> =>
      new Map(chains.filter((c) => c.scenario === scenario && c.mode === mode).flatMap((c) => c.updates.map((u): [number, UpdateRecord] => [u.n, u])));
    const left = byIndex(a);
    const right = byIndex(b);
    return [...left.entries()].sort((x, y) => x[0] - y[0]).flatMap(([n, u]): [UpdateRecord, UpdateRecord][] => {
      const v = right.get(n);
      return v === undefined ? [] : [[u, v]];
    });
  }).filter((g) => g.length > 0);
}

function difference(groups: readonly (readonly [UpdateRecord, UpdateRecord])[][], pick: (u: UpdateRecord) => number, seed: number): Difference | null {
  const diffs = groups.map((g) => g.map(([u, v]) => pick(u) - pick(v)));
  const m = mean(diffs.flat());
  const ci = bootstrapMeanCi(diffs, seed);
  const baseline = mean(groups.flat().map(([, v]) => pick(v)));
  return m === null || ci === null || baseline === null ? null : { mean: m, ci95: ci, baseline };
}

/** a − b per update, cost and wall time, for each pair; a mode the run lacks is reported as not measured. */
export function pairedDifferences(chains: readonly ChainResult[], pairs: readonly (readonly [string, string])[] = PAIRS, seed = PAIRED_SEED): PairedDifference[] {
  const modes = new Set(chains.map((c) => c.mode));
  return pairs.map(([a, b]): PairedDifference => {
    const absent = [a, b].filter((m) => !modes.has(m));
    if (absent.length > 0) return { a, b, measured: false, why: `no ${absent.join(" or ")} chains in this run` };
    const groups = pairsOf(chains, a, b);
    const costUsd = difference(groups, (u) => u.costUsd, seed);
    const wallMs = difference(groups, (u) => u.wallMs, seed);
    if (costUsd === null || wallMs === null) return { a, b, measured: false, why: `no update ran in both ${a} and ${b}` };
    return { a, b, measured: true, pairs: groups.flat().length, scenarios: groups.length, costUsd, wallMs };
  });
}
