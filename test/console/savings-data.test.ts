import { describe, expect, it } from "vitest";
import type { MetricsReport, UpdatePoint } from "../../console/src/api/types.ts";
import { ageBuckets, change, policySavings, splitByMode, summarize } from "../../console/src/charts/savings-data.ts";
import { timeLabels } from "../../console/src/charts/axes.ts";
import { relativeDifference } from "../../console/src/lib/format.ts";
import type { SeriesPoint } from "../../console/src/charts/savings-data.ts";

const mode = (count: number, mean: number | null, p50: number | null) => ({
  count, costUsd: { mean, p50: mean, p95: mean, sum: (mean ?? 0) * count }, durationMs: { mean: p50, p50, p95: p50, sum: 0 },
  meanTokens: { input: null, cacheCreation: null, cacheRead: null, output: null },
});

function report(): MetricsReport {
  return {
    scope: "owner", generatedAt: "2027-01-15T08:00:00.000Z", projects: 1,
    resume: { attempts: { resumed: 0, forked: 3, not_found: 1, corrupted: 0, stale: 0, skipped: 1, security_violation: 0, ownership_unverified: 0, error: 0 }, tried: 4, succeeded: 3, successRate: 0.75, fallbacks: [] },
    failures: [], updates: { resumed: mode(2, 0.05, 20_000), fresh: mode(1, 0.2, 50_000) },
    sessionAgeAtResumeSeconds: { buckets: [{ le: 10, count: 0 }, { le: 60, count: 1 }, { le: 300, count: 3 }, { le: null, count: 4 }], sum: 400, count: 4 },
    sessionIdChanges: { resumedOperations: 3, changed: 3, rate: 1 }, queue: { queued: 0, running: 0 }, refusedToolCalls: 0, cacheMissTokens: [], deadLetters: { total: 0, byOp: [] }, transcriptStorage: { bytes: 0, objects: 0 },
    policy: { choices: [], cacheTtl: [], predictionError: { count: 0, median: null, p90: null } },
  };
}

function point(mode: UpdatePoint["mode"], costUsd: number, at: string, cache: [number, number, number]): SeriesPoint {
  return {
    projectId: "prj_x", projectName: "x", versionNumber: 2, completedAt: at, mode, reason: null, costUsd, durationMs: 1000,
    inputTokens: cache[0], cacheCreationInputTokens: cache[1], cacheReadInputTokens: cache[2], outputTokens: 0, sessionAgeSeconds: null,
    policyChoice: null, predictedCostUsd: null, predictedFreshCostUsd: null, predictedResumeCostUsd: null,
  };
}

describe("savings numbers", () => {
  it("turns the cumulative histogram into counts per bucket", () => {
    expect(ageBuckets(report(), (s) => `${s}s`)).toEqual({ labels: ["≤10s", "≤60s", "≤300s", ">300s"], counts: [0, 1, 2, 1] });
  });

  it("computes the saving, resumed versus fresh, and the cache hit ratio over the points", () => {
    const points = [point("resumed", 0.05, "2027-01-15T08:00:00.000Z", [10, 90, 900]), point("fresh", 0.2, "2027-01-15T08:01:00.000Z", [100, 900, 0])];
    const s = summarize(report(), points);
    // Resumed $0.05 vs fresh $0.20: 75% lower; 20 s vs 50 s: 60% faster.
    expect(s.costChange).toBeCloseTo(-0.75, 10);
    expect(s.timeChange).toBeCloseTo(-0.6, 10);
    expect(relativeDifference(s.costChange)).toBe("75% lower");
    expect(relativeDifference(s.timeChange, { below: "faster", above: "slower" })).toBe("60% faster");
    expect(s.cacheHitRatio).toBeCloseTo(900 / 2000, 10);
  });

  it("splits points by mode on one time axis, with a predicted series only when predictions exist", () => {
    const points = [point("resumed", 0.05, "2027-01-15T08:00:00.000Z", [0, 0, 0]), point("fresh", 0.2, "2027-01-15T08:01:00.000Z", [0, 0, 0])];
    const split = splitByMode(points, (p) => p.costUsd);
    expect(split).toEqual({ x: [1800000000, 1800000060], resumed: [0.05, null], fresh: [null, 0.2], predicted: null });
    const withPolicy = splitByMode([{ ...points[0], predictedCostUsd: 0.04 } as SeriesPoint, points[1] as SeriesPoint], (p) => p.costUsd);
    expect(withPolicy.predicted).toEqual([0.04, null]);
  });
});

type Policy = Pick<SeriesPoint, "policyChoice" | "predictedFreshCostUsd" | "predictedResumeCostUsd">;
const decided = (mode: UpdatePoint["mode"], costUsd: number, minute: number, policy: Policy): SeriesPoint =>
  ({ ...point(mode, costUsd, `2027-01-15T08:${String(minute).padStart(2, "0")}:00.000Z`, [0, 0, 0]), ...policy });

describe("what the policy saved", () => {
  it("puts each update's actual cost beside the options not taken, predicted, and sums them over time", () => {
    const points = [
      // No policy record (before the policy): left out.
      point("fresh", 0.3, "2027-01-15T07:59:00.000Z", [0, 0, 0]),
      // Chose resume and resumed: always-resume is the actual cost, always-fresh the prediction.
      decided("resumed", 0.02, 0, { policyChoice: "resume", predictedFreshCostUsd: 0.1, predictedResumeCostUsd: 0.025 }),
      // Chose plain fresh: always-fresh is the actual cost.
      decided("fresh", 0.09, 1, { policyChoice: "fresh", predictedFreshCostUsd: 0.08, predictedResumeCostUsd: 0.2 }),
      // A handoff: neither always-rule took it, both predicted.
      decided("fresh", 0.05, 2, { policyChoice: "handoff", predictedFreshCostUsd: 0.07, predictedResumeCostUsd: 0.3 }),
      // Resume ruled out (no session): always-resume would have started plain fresh.
      decided("fresh", 0.06, 3, { policyChoice: "handoff", predictedFreshCostUsd: 0.065, predictedResumeCostUsd: null }),
      // Chose resume but it fell back to fresh: the actual is neither always-rule's cost.
      decided("fresh", 0.11, 4, { policyChoice: "resume", predictedFreshCostUsd: 0.1, predictedResumeCostUsd: 0.03 }),
    ];
    const s = policySavings(points);
    expect(s.uncounted).toBe(1);
    expect(s.updates.map((u) => [u.actual, u.alwaysFresh, u.alwaysResume, u.freshPredicted, u.resumePredicted])).toEqual([
      [0.02, 0.1, 0.02, true, false],
      [0.09, 0.09, 0.2, false, true],
      [0.05, 0.07, 0.3, true, true],
      [0.06, 0.065, 0.065, true, true],
      [0.11, 0.1, 0.03, true, true],
    ]);
    const close = (values: number[]): number[] => values.map((v) => Math.round(v * 1e6) / 1e6);
    expect(close(s.cumulative.actual)).toEqual([0.02, 0.11, 0.16, 0.22, 0.33]);
    expect(close(s.cumulative.alwaysFresh)).toEqual([0.1, 0.19, 0.26, 0.325, 0.425]);
    expect(close(s.cumulative.alwaysResume)).toEqual([0.02, 0.22, 0.52, 0.585, 0.615]);
    // $0.33 actual vs $0.425 always fresh: 22% lower.
    expect(relativeDifference(change(s.cumulative.actual.at(-1), s.cumulative.alwaysFresh.at(-1)))).toBe("22% lower");
    expect(policySavings([])).toEqual({ updates: [], cumulative: { actual: [], alwaysFresh: [], alwaysResume: [] }, uncounted: 0 });
  });

  it("words a difference by its sign, never a minus before 'higher'", () => {
    expect(relativeDifference(-0.22)).toBe("22% lower");
    expect(relativeDifference(0.22)).toBe("22% higher");
    expect(relativeDifference(-0.004)).toBe("the same");
    expect(relativeDifference(0.5, { below: "faster", above: "slower" })).toBe("50% slower");
    expect(relativeDifference(null)).toBe("—");
    expect(relativeDifference(change(1, 0))).toBe("—");
  });

  it("labels time ticks short: the date only where the day changes, days alone for long spans", () => {
    const at = (d: number, h: number, m: number, s = 0): number => new Date(2027, 0, d, h, m, s).getTime() / 1000;
    expect(timeLabels([at(15, 23, 0), at(15, 23, 30), at(16, 0, 0)], 1800)).toEqual(["23:00\n15 Jan", "23:30", "00:00\n16 Jan"]);
    expect(timeLabels([at(15, 8, 0, 0), at(15, 8, 0, 30)], 30)).toEqual(["08:00:00\n15 Jan", "08:00:30"]);
    expect(timeLabels([at(15, 0, 0), at(16, 0, 0)], 86_400)).toEqual(["15 Jan", "16 Jan"]);
  });
});
