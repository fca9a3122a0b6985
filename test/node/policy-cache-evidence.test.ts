// The policy's cache model against the model proxy's measured miss causes: a resume the
// model predicted warm whose history was read agrees; one whose prefix changed does not, and
// the project's next resume is then not predicted warm.
import { describe, expect, it } from "vitest";
import { findModel } from "../../src/models/table.ts";
import { checkWarmth, measuredHistory, prefixHolds } from "../../src/policy/cache-evidence.ts";
import { estimateJob, prefixWarm } from "../../src/policy/predict.ts";
import { initialProfile } from "../../src/policy/profile.ts";
import type { CacheMiss, CacheReport } from "../../src/runner/protocol.ts";

const miss = (cause: CacheMiss["cause"], tokens: number, history = true): CacheMiss => ({ cause, block: "message 3", tokens, call: 1, history, ageSeconds: null, ttl: null, minTokens: null, detail: null });
const cache = (misses: CacheMiss[]): CacheReport => ({ calls: 2, readTokens: 1000, writeTokens: 9000, writeTokens1h: 0, misses, moreMissTokens: 0 });

describe("cache evidence", () => {
  it("reads the history's fate from the largest history miss; misses of the run's own calls do not count", () => {
    expect(measuredHistory(cache([]))).toBe("read");
    expect(measuredHistory(cache([miss("unknown", 300, false)]))).toBe("read");
    expect(measuredHistory(cache([miss("ttl_expired", 200), miss("prefix_changed", 8000)]))).toBe("prefix_changed");
  });

  it("checks a warm or cold prediction against the measurement", () => {
    expect(checkWarmth(true, true, cache([]))).toEqual({ predictedWarm: true, measured: "read", agrees: true });
    expect(checkWarmth(true, true, cache([miss("prefix_changed", 8000)]))?.agrees).toBe(false);
    expect(checkWarmth(true, true, cache([miss("ttl_expired", 8000)]))?.agrees).toBe(false);
    expect(checkWarmth(false, true, cache([miss("ttl_expired", 8000)]))?.agrees).toBe(true);
    expect(checkWarmth(false, true, cache([]))?.agrees).toBe(false);
    expect(checkWarmth(true, false, cache([]))).toBeNull();
    expect(checkWarmth(true, true, undefined)).toBeNull();
  });

  it("a project whose prefix broke is not predicted warm at its next resume", () => {
    const opus = findModel("claude-opus-5-5");
    if (opus === null) throw new Error("model table lacks claude-opus-5-5");
    const now = Date.parse("2027-03-01T12:00:00Z");
    const facts = (primed: boolean) => ({
      now, prefix: { sessionId: "head", contextTokens: 40_000, tailTokens: 900, usedAt: now - 60_000, ttl: "5m" as const, primed },
      requestTokens: 50, handoffTokens: 1500, metadataPromptTokens: 1100, documentationTokens: 900, filesPerUpdate: 2, sharedPrefixWarm: false, cacheFloorTokens: opus.minCacheableTokens,
    });
    const held = facts(prefixHolds(cache([])));
    const broke = facts(prefixHolds(cache([miss("prefix_changed", 30_000)])));
    expect(prefixWarm(held.prefix, now)).toBe(true);
    expect(prefixWarm(broke.prefix, now)).toBe(false);
    // A deliberate model switch (the metadata step's own model) is not a prefix that breaks.
    expect(prefixHolds(cache([{ ...miss("prefix_changed", 30_000), block: "model" }]))).toBe(true);
    const warm = estimateJob("resume", held, initialProfile(), opus.prices, "5m");
    const cold = estimateJob("resume", broke, initialProfile(), opus.prices, "5m");
    expect(cold.costUsd).toBeGreaterThan(warm.costUsd * 1.5);
  });
});
