// The one sentence for a step whose resumed history was written to the cache again.
import { describe, expect, it } from "vitest";
import { cacheNote } from "../../src/domain/cache-words.ts";
import type { CacheMiss, CacheReport } from "../../src/runner/protocol.ts";

const miss = (fields: Partial<CacheMiss>): CacheMiss => ({ cause: "unknown", block: null, tokens: 1000, call: 1, history: true, ageSeconds: null, ttl: null, minTokens: null, detail: null, ...fields });
const report = (misses: CacheMiss[], readTokens = 500): CacheReport => ({ calls: 2, readTokens, writeTokens: 4000, writeTokens1h: 0, misses, moreMissTokens: 0 });

describe("cacheNote", () => {
  it("says why the history was written again, with the tokens", () => {
    expect(cacheNote(report([miss({ cause: "ttl_expired", ageSeconds: 725, ttl: "5m", tokens: 3144 })]))).toBe("history written again: cache expired 12 min after its 5-minute write (3,144 tokens)");
    expect(cacheNote(report([miss({ cause: "ttl_expired", ageSeconds: 2 * 3600, ttl: "1h" })]))).toBe("history written again: cache expired 2.0 h after its 1-hour write (1,000 tokens)");
    expect(cacheNote(report([miss({ cause: "prefix_changed", block: "system" })]))).toBe("history written again: the prompt prefix changed at system (1,000 tokens)");
    expect(cacheNote(report([miss({ cause: "prefix_changed", block: "model" })]))).toBe("history written again: the model changed since the cached run (1,000 tokens)");
    expect(cacheNote(report([miss({ detail: "no fingerprints of the resumed session (runner disk new or lost)" })]))).toBe(
      "history written again: cause unknown (no fingerprints of the resumed session (runner disk new or lost)) (1,000 tokens)",
    );
  });

  it("stays silent when the history was read, or for misses of this run's own calls", () => {
    expect(cacheNote(null)).toBeNull();
    expect(cacheNote(report([]))).toBeNull();
    expect(cacheNote(report([miss({ history: false })]))).toBeNull();
  });

  it("names the caching minimum when nothing could be cached", () => {
    const small: CacheReport = { calls: 1, readTokens: 0, writeTokens: 0, writeTokens1h: 0, moreMissTokens: 0, misses: [miss({ cause: "below_minimum", minTokens: 1024, history: false })] };
    expect(cacheNote(small)).toBe("nothing cached: the prompt is below the model's 1,024-token caching minimum");
  });
});
