// Summary statistics. Percentiles interpolate like Postgres' percentile_cont; the 95%
// interval of a mean is a seeded percentile bootstrap, so the same run gives the same bounds.
import { mulberry32 } from "../scripts/prng.ts";

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? 0;
  return a + (b - a) * (rank - lo);
}

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : sum(values) / values.length;
}

export function sum(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0);
}

/** A small seeded PRNG: the workload and the bootstrap are the same for the same seed. */
export function prng(seed: number): () => number {
  return mulberry32(seed * 2654435761);
}

/** Resamples drawn for each bootstrap interval. */
export const BOOTSTRAP_RESAMPLES = 4000;

/**
 * 95% interval of the mean by the percentile bootstrap: `groups` are resampled with
 * replacement each within itself (one group per scenario, so every resample keeps the
 * scenarios' mix), the pooled mean taken, and the 2.5th and 97.5th percentiles of those
 * means returned. Treats the values of a group as exchangeable, which successive updates
 * of one chain are not quite (see docs/benchmark.md).
 */
export function bootstrapMeanCi(groups: readonly (readonly number[])[], seed: number, resamples = BOOTSTRAP_RESAMPLES): [number, number] | null {
  const filled = groups.filter((g) => g.length > 0);
  const n = sum(filled.map((g) => g.length));
  if (n === 0) return null;
  const random = prng(seed);
  const means: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let total = 0;
    for (const g of filled) for (let i = 0; i < g.length; i++) total += g[Math.floor(random() * g.length)] ?? 0;
    means.push(total / n);
  }
  return [percentile(means, 0.025) ?? 0, percentile(means, 0.975) ?? 0];
}

/** p95 is reported only from 20 samples on: below that it is one of the largest values. */
export const MIN_SAMPLES_FOR_P95 = 20;

export interface Spread {
  n: number;
  p50: number | null;
  /** Present only when n >= MIN_SAMPLES_FOR_P95. */
  p95?: number | null;
  p99?: number | null;
}

export function spread(values: readonly number[], withP99 = false): Spread {
  const out: Spread = { n: values.length, p50: percentile(values, 0.5) };
  if (values.length >= MIN_SAMPLES_FOR_P95) out.p95 = percentile(values, 0.95);
  if (withP99 && values.length >= 100) out.p99 = percentile(values, 0.99);
  return out;
}
