// Small summary statistics; percentiles interpolate like Postgres' percentile_cont.
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
  return values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length;
}

export function sum(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0);
}

export interface Spread {
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  n: number;
}

export function spread(values: readonly number[]): Spread {
  return {
    mean: mean(values),
    p50: percentile(values, 0.5),
    p95: percentile(values, 0.95),
    p99: percentile(values, 0.99),
    max: values.length === 0 ? null : Math.max(...values),
    n: values.length,
  };
}

/** 1 - a/b: how much lower a is than b (0.4 = 40% lower); null when b is 0 or missing. */
export function reduction(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b === 0) return null;
  return 1 - a / b;
}

/** A small seeded PRNG: the workload is the same for the same seed. */
export function prng(seed: number): () => number {
  return mulberry32(seed * 2654435761);
}
