import { describe, expect, it } from "vitest";
import type { MetricsReport, UpdatePoint } from "../../console/src/api/types.ts";
import { ageBuckets, splitByMode, summarize } from "../../console/src/charts/savings-data.ts";
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
    policyChoice: null, predictedCostUsd: null,
  };
}

describe("savings numbers", () => {
  it("turns the cumulative histogram into counts per bucket", () => {
    expect(ageBuckets(report(), (s) => `${s}s`)).toEqual({ labels: ["≤10s", "≤60s", "≤300s", ">300s"], counts: [0, 1, 2, 1] });
  });

  it("computes the saving, resumed versus fresh, and the cache hit ratio over the points", () => {
    const points = [point("resumed", 0.05, "2027-01-15T08:00:00.000Z", [10, 90, 900]), point("fresh", 0.2, "2027-01-15T08:01:00.000Z", [100, 900, 0])];
    const s = summarize(report(), points);
    expect(s.costSaving).toBeCloseTo(0.75, 10);
    expect(s.timeSaving).toBeCloseTo(0.6, 10);
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
