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
  /** 1 - resumed / fresh mean cost; null until both modes have updates. */
  costSaving: number | null;
  resumedP50Ms: number | null;
  freshP50Ms: number | null;
  timeSaving: number | null;
  /** Over the listed updates: cache reads / all prompt tokens. */
  cacheHitRatio: number | null;
}

const saving = (resumed: number | null, fresh: number | null): number | null =>
  resumed === null || fresh === null || fresh === 0 ? null : 1 - resumed / fresh;

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
    costSaving: saving(r.costUsd.mean, f.costUsd.mean),
    resumedP50Ms: r.durationMs.p50,
    freshP50Ms: f.durationMs.p50,
    timeSaving: saving(r.durationMs.p50, f.durationMs.p50),
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
