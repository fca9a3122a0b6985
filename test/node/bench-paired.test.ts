// Paired differences between benchmark modes over the same updates, and the seeded bootstrap
// behind their intervals: pure functions on hand-made per-update records (no stack).
import { describe, expect, it } from "vitest";
import { pairedDifferences } from "../../bench/paired.ts";
import { pairedTable } from "../../bench/report.ts";
import { bootstrapMeanCi, mean } from "../../bench/stats.ts";
import type { ChainResult, UpdateRecord } from "../../bench/types.ts";

const update = (n: number, costUsd: number, wallMs: number): UpdateRecord => ({
  n, version: n + 1, kind: "edit", names: "path", refersTo: null, pauseMs: 0, pauseBand: "< 5 min", status: "succeeded", decision: "fresh", reason: null,
  costUsd, tokens: { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 }, steps: [], compacted: false, measuredWallMs: wallMs, modelMs: 0, wallMs,
  right: true, wrongPaths: [], postgres: { queries: 0, connections: 0, handshakes: 0 }, policy: null, ack: { ms: 0, timing: null },
} as UpdateRecord);

const chain = (scenario: string, mode: string, updates: [number, number][]): ChainResult => ({
  scenario, mode, vars: {}, model: null, create: { costUsd: 0, wallMs: 0, steps: [] },
  updates: updates.map(([cost, wall], i) => update(i + 1, cost, wall)), resumeSuccessRate: null, runtimeSeconds: 0,
});

describe("the seeded bootstrap", () => {
  it("gives the same interval for the same seed, and it holds the mean", () => {
    const groups = [[0.3, -0.1, 0.05, 0.2, -0.02], [0.4, 0.1, 0.15]];
    const ci = bootstrapMeanCi(groups, 11, 2000);
    expect(bootstrapMeanCi(groups, 11, 2000)).toEqual(ci);
    expect(bootstrapMeanCi(groups, 12, 2000)).not.toEqual(ci);
    const m = mean(groups.flat()) ?? Number.NaN;
    expect(ci?.[0]).toBeLessThan(m);
    expect(ci?.[1]).toBeGreaterThan(m);
  });

  it("known cases: a constant difference has no spread; two values give their own extremes", () => {
    expect(bootstrapMeanCi([[0.02, 0.02, 0.02], [0.02]], 5, 2000)).toEqual([0.02, 0.02]);
    // Resampling [0, 1] twice gives a mean of 0, 0.5 or 1 with chances 1/4, 1/2, 1/4: the
    // 2.5th and 97.5th percentiles of 2,000 such means are 0 and 1.
    expect(bootstrapMeanCi([[0, 1]], 5, 2000)).toEqual([0, 1]);
  });
});

describe("paired differences", () => {
  it("pairs updates by scenario and index, and reports a missing mode as not measured", () => {
    const chains = [
      chain("a", "policy", [[0.1, 10_000], [0.2, 20_000], [0.3, 30_000]]),
      chain("a", "fresh", [[0.15, 12_000], [0.2, 25_000]]), // no update 3: policy's third is unpaired
      chain("b", "policy", [[0.05, 5_000]]),
      chain("b", "fresh", [[0.1, 9_000]]),
      chain("b", "resume", [[0.01, 1_000]]),
    ];
    const [fresh, legacy] = pairedDifferences(chains);
    if (legacy === undefined) throw new Error("policy − legacy should be reported");
    expect(legacy).toEqual({ a: "policy", b: "legacy", measured: false, why: "no legacy chains in this run" });
    if (fresh?.measured !== true) throw new Error("policy − fresh should be measured");
    expect(fresh).toMatchObject({ pairs: 3, scenarios: 2 });
    // Differences −0.05, 0, −0.05 (mean −1/30); wall −2 s, −5 s, −4 s (mean −11/3 s).
    expect(fresh.costUsd.mean).toBeCloseTo(-0.1 / 3, 12);
    expect(fresh.costUsd.baseline).toBeCloseTo(0.45 / 3, 12);
    expect(fresh.wallMs.mean).toBeCloseTo(-11_000 / 3, 9);
    expect(fresh.costUsd.ci95[0]).toBeLessThanOrEqual(fresh.costUsd.mean);
    expect(fresh.costUsd.ci95[1]).toBeGreaterThanOrEqual(fresh.costUsd.mean);
    // The same results give the same intervals.
    expect(pairedDifferences(chains)).toEqual([fresh, legacy]);

    const printed = pairedTable([fresh, legacy]);
    // Scenario a's two differences resample to a sum of −0.10, −0.05 or 0, b's is always
    // −0.05: the pooled mean's 2.5th and 97.5th percentiles are its extremes, −0.05 and −1/60.
    expect(printed).toMatch(/\| policy − fresh\s+\| 3 in 2 scenarios \|\s+−\$0\.0333 \[−\$0\.0500, −\$0\.0167\] \(−22%\) \|\s+−3\.7 s \[/);
    expect(printed).toMatch(/\| policy − legacy\s+\|\s+– \| not measured \(no legacy chains in this run\) \|/);
  });
});
