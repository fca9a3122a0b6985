// Savings numbers and chart inputs from /v1/metrics and /v1/metrics/updates. Pure, so the
// arithmetic is tested without a browser.
import type { MetricsReport, UpdatePoint } from "../api/types.ts";
import { cacheHitRatio } from "../lib/format.ts";

/** A point as the API sends it (the resume policy's choice and prediction included). */
export type SeriesPoint = UpdatePoint;

export interface TimeSeries {
  x: number[];
  resumed: (number | null)[];
  fresh: (number | null)[];
  /** Only when at least one point carries a prediction. */
  predicted: (number | null)[] | null;
}

/** One value per update, split by mode: the other mode's slot is null (a scatter). */
export function splitByMode(points: readonly SeriesPoint[], value: (p: SeriesPoint) => number | null): TimeSeries {
  const hasPrediction = points.some((p) => typeof p.predictedCostUsd === "number");
  return {
    x: points.map((p) => Date.parse(p.completedAt) / 1000),
    resumed: points.map((p) => (p.mode === "resumed" ? value(p) : null)),
    fresh: points.map((p) => (p.mode === "fresh" ? value(p) : null)),
    predicted: hasPrediction ? points.map((p) => (typeof p.predictedCostUsd === "number" ? p.predictedCostUsd : null)) : null,
  };
}

export interface Summary {
  resumedMeanCost: number | null;
  freshMeanCost: number | null;
  /** resumed / fresh mean cost − 1 (negative: resumed is cheaper); null until both modes have updates. */
  costChange: number | null;
  resumedP50Ms: number | null;
  freshP50Ms: number | null;
  /** resumed / fresh median time − 1. */
  timeChange: number | null;
  /** Over the listed updates: cache reads / all prompt tokens. */
  cacheHitRatio: number | null;
}


export function summarize(report: MetricsReport, points: readonly SeriesPoint[]): Summary {
  const r = report.updates.resumed;
  const f = report.updates.fresh;
  const totals = points.reduce(
    (a, p) => ({ inputTokens: a.inputTokens + p.inputTokens, cacheCreationInputTokens: a.cacheCreationInputTokens + p.cacheCreationInputTokens, cacheReadInputTokens: a.cacheReadInputTokens + p.cacheReadInputTokens }),
    { inputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
  );
  return {
    resumedMeanCost: r.costUsd.mean,
    freshMeanCost: f.costUsd.mean,
    costChange: change(r.costUsd.mean ?? undefined, f.costUsd.mean ?? undefined),
    resumedP50Ms: r.durationMs.p50,
    freshP50Ms: f.durationMs.p50,
    timeChange: change(r.durationMs.p50 ?? undefined, f.durationMs.p50 ?? undefined),
    cacheHitRatio: cacheHitRatio(totals),
  };
}

/** The cumulative histogram of /v1/metrics as counts per bucket, labelled "≤ 5 min" etc. */
export function ageBuckets(report: MetricsReport, label: (seconds: number) => string): { labels: string[]; counts: number[] } {
  const labels: string[] = [];
  const counts: number[] = [];
  let below = 0;
  let previous = 0;
  for (const bucket of report.sessionAgeAtResumeSeconds.buckets) {
    labels.push(bucket.le === null ? `>${label(previous)}` : `≤${label(bucket.le)}`);
    if (bucket.le !== null) previous = bucket.le;
    counts.push(bucket.count - below);
    below = bucket.count;
  }
  return { labels, counts };
}

/** One update as the policy ran it, beside what always-fresh and always-resume would have cost. */
export interface PolicyComparison {
  point: SeriesPoint;
  actual: number;
  /** The option taken is its actual cost; an option not taken is the policy's prediction. */
  alwaysFresh: number;
  alwaysResume: number;
  /** Which of the two are predictions (the other, if any, is the actual cost). */
  freshPredicted: boolean;
  resumePredicted: boolean;
}

export interface PolicySavings {
  updates: PolicyComparison[];
  /** Running sums over `updates`, in the same order (oldest first). */
  cumulative: { actual: number[]; alwaysFresh: number[]; alwaysResume: number[] };
  /** Updates without a policy record (before the policy, or no fresh prediction): left out of the sums. */
  uncounted: number;
}

/**
 * What the policy saved, update by update. Only the options not taken are predicted: when
 * the policy chose plain fresh (and it ran fresh), always-fresh is that update's actual
 * cost; likewise resume. Where resume was ruled out (no session, stale, …) an always-resume
 * policy would have started plain fresh, so it costs what always-fresh does.
 */
export function policySavings(points: readonly SeriesPoint[]): PolicySavings {
  const updates: PolicyComparison[] = [];
  for (const point of points) {
    if (point.policyChoice === null || point.predictedFreshCostUsd === null) continue;
    const ranFresh = point.policyChoice === "fresh" && point.mode === "fresh";
    const ranResume = point.policyChoice === "resume" && point.mode === "resumed";
    const alwaysFresh = ranFresh ? point.costUsd : point.predictedFreshCostUsd;
    const resumeOpen = point.predictedResumeCostUsd !== null;
    const alwaysResume = ranResume ? point.costUsd : point.predictedResumeCostUsd ?? alwaysFresh;
    updates.push({
      point, actual: point.costUsd, alwaysFresh, alwaysResume,
      freshPredicted: !ranFresh, resumePredicted: ranResume ? false : resumeOpen || !ranFresh,
    });
  }
  const running = (value: (u: PolicyComparison) => number): number[] => {
    let sum = 0;
    return updates.map((u) => (sum += value(u)));
  };
  return {
    updates,
    cumulative: { actual: running((u) => u.actual), alwaysFresh: running((u) => u.alwaysFresh), alwaysResume: running((u) => u.alwaysResume) },
    uncounted: points.length - updates.length,
  };
}

/** actual / baseline − 1 over the whole run: −0.22 is 22% lower; null when there is no baseline. */
export function change(actual: number | undefined, baseline: number | undefined): number | null {
  return actual === undefined || baseline === undefined || baseline === 0 ? null : actual / baseline - 1;
}
