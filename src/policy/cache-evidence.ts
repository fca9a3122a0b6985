// The policy's cache model checked against what the runner's model proxy measured. The model
// predicts a resume warm while the head's prefix is within its TTL (predict.ts prefixWarm);
// the proxy says, per step, whether the resumed history was read or written again and why.
// A step whose resumed history was written again because the prefix changed means this
// project's prefix does not hold between runs: its next resume is not predicted warm.
import type { CacheReport } from "../runner/protocol.ts";

/** What the proxy measured of a resumed step's history: read, or written again and why. */
export type MeasuredHistory = "read" | "ttl_expired" | "prefix_changed" | "below_minimum" | "unknown";

export interface WarmthCheck {
  predictedWarm: boolean;
  measured: MeasuredHistory;
  /** The model and the measurement agree (a cause the model does not know, unknown or below_minimum, never counts against it). */
  agrees: boolean;
}

/** The cause of the largest history miss, or `read` when the history was read. */
export function measuredHistory(cache: CacheReport): MeasuredHistory {
  let worst: { cause: MeasuredHistory; tokens: number } = { cause: "read", tokens: 0 };
  for (const miss of cache.misses) {
    if (miss.history && miss.tokens > worst.tokens) worst = { cause: miss.cause, tokens: miss.tokens };
  }
  return worst.cause;
}

/** null when the step did not resume or its runner sent no cache record. */
export function checkWarmth(predictedWarm: boolean, resumed: boolean, cache: CacheReport | undefined): WarmthCheck | null {
  if (!resumed || cache === undefined) return null;
  const measured = measuredHistory(cache);
  const agrees = predictedWarm ? measured === "read" || measured === "unknown" || measured === "below_minimum" : measured !== "read";
  return { predictedWarm, measured, agrees };
}

/**
 * Whether a session's prefix can be expected in the cache at its next resume, given the step
 * that produced it. A step run on another model (METADATA_MODEL) misses its parent's cache by
 * design: that is a choice, not a prefix that breaks.
 */
export function prefixHolds(cache: CacheReport | undefined): boolean {
  return cache === undefined || !cache.misses.some((m) => m.history && m.cause === "prefix_changed" && m.block !== "model");
}
