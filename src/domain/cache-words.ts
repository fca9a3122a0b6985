// The one sentence a step's cache record earns when its resumed history was written to the
// prompt cache again instead of read: what the API and the console show beside the step.
import type { CacheMiss, CacheReport } from "../runner/protocol.ts";

/** e.g. "history written again: cache expired 12 min after its 5-minute write (3,144 tokens)"; null when nothing to flag. */
export function cacheNote(cache: CacheReport | null | undefined): string | null {
  if (cache === null || cache === undefined) return null;
  const history = cache.misses.filter((m) => m.history && m.cause !== "below_minimum");
  const first = history[0];
  if (first !== undefined) {
    const tokens = history.reduce((sum, m) => sum + m.tokens, 0);
    return `history written again: ${why(first)} (${tokens.toLocaleString("en-US")} tokens)`;
  }
  const small = cache.misses.find((m) => m.cause === "below_minimum");
  if (small !== undefined && cache.readTokens === 0 && cache.writeTokens === 0) {
    return `nothing cached: the prompt is below the model's ${(small.minTokens ?? 0).toLocaleString("en-US")}-token caching minimum`;
  }
  return null;
}

function why(miss: CacheMiss): string {
  switch (miss.cause) {
    case "ttl_expired":
      return `cache expired ${age(miss.ageSeconds)} after its ${miss.ttl === "1h" ? "1-hour" : "5-minute"} write`;
    case "prefix_changed":
      return miss.block === "model" ? "the model changed since the cached run" : `the prompt prefix changed at ${miss.block ?? "an unknown block"}`;
    case "below_minimum":
      return "the prompt is below the model's caching minimum";
    case "unknown":
      return `cause unknown${miss.detail === null ? "" : ` (${miss.detail})`}`;
  }
}

function age(seconds: number | null): string {
  if (seconds === null) return "some time";
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
