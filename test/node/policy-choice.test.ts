// The resume policy's choice: the seed rules first, the cheapest open option, the fresh
// weight, the cache TTL and the explanation (src/policy), without a Durable Object.
import { describe, expect, it } from "vitest";
import { CacheTtl } from "../../container/src/protocol.ts";
import { findModel } from "../../src/models/table.ts";
import { choose } from "../../src/policy/choose.ts";
import { ago, explain } from "../../src/policy/explain.ts";
import { openOptions } from "../../src/policy/options.ts";
import { planJob } from "../../src/policy/plan.ts";
import type { PlanInput } from "../../src/policy/plan.ts";
import type { JobFacts } from "../../src/policy/predict.ts";
import { initialProfile } from "../../src/policy/profile.ts";
import { chooseTtl, gapOdds } from "../../src/policy/ttl.ts";
import type { TtlInput } from "../../src/policy/ttl.ts";
import { CACHE_TTLS } from "../../src/policy/types.ts";
import type { OptionPrediction, PrefixState, SeedVerdict } from "../../src/policy/types.ts";

const opus = findModel("claude-opus-5-5");
if (opus === null) throw new Error("model table lacks claude-opus-5-5");
const NOW = Date.parse("2027-03-01T12:00:00Z");
const MIN = 60_000;
const head = (contextTokens: number, minutesAgo: number, ttl: "5m" | "1h" = "5m"): PrefixState => ({ sessionId: "head", contextTokens, tailTokens: 900, usedAt: NOW - minutesAgo * MIN, ttl, primed: true });
const resumable: SeedVerdict = { resume: true, sessionId: "head", reason: "resumable" };
const facts = (prefix: PrefixState | null): JobFacts => ({
  now: NOW, prefix, requestTokens: 50, handoffTokens: 1500, metadataPromptTokens: 1100, documentationTokens: 900, filesPerUpdate: 2, sharedPrefixWarm: false, cacheFloorTokens: opus.minCacheableTokens,
});
const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  mode: "economic", seed: resumable, facts: facts(head(15_000, 2)), profile: initialProfile(), prices: opus.prices,
  handoff: "handoff text", freshWeight: 2, resumeCapTokens: null, ...over,
});

describe("options the seed rules leave open", () => {
  const open = (over: Partial<Parameters<typeof openOptions>[0]>) =>
    openOptions({ mode: "economic", seed: resumable, hasMemory: true, prefix: head(40_000, 2), resumeCapTokens: null, ...over });

  it("economic, resumable: all four", () => {
    expect(open({})).toEqual({ resume: null, compact_resume: null, handoff: null, fresh: null });
  });

  it("flag off, project override off and an owner's reset leave only plain fresh", () => {
    for (const reason of ["flag_off", "project_override_off", "reset_requested"] as const) {
      const o = open({ seed: { resume: false, reason, detail: "x" } });
      expect(o.fresh).toBeNull();
      expect([o.resume, o.compact_resume, o.handoff].every((why) => why === `${reason}: x`)).toBe(true);
    }
  });

  it("stale, non-resumable and structural change close resuming but keep the handoff", () => {
    for (const reason of ["stale", "non_resumable", "structural_change", "no_session"] as const) {
      const o = open({ seed: { resume: false, reason, detail: "x" } });
      expect(o.resume).toBe(`${reason}: x`);
      expect(o.compact_resume).toBe(`${reason}: x`);
      expect(o.handoff).toBeNull();
    }
  });

  it("no memory: no handoff", () => {
    expect(open({ hasMemory: false }).handoff).toMatch(/nothing|no documentation/);
  });

  it("always resumes whenever allowed and never never does", () => {
    expect(open({ mode: "always" })).toMatchObject({ resume: null, fresh: expect.any(String), handoff: expect.any(String) });
    expect(open({ mode: "always", seed: { resume: false, reason: "stale", detail: "x" } })).toMatchObject({ fresh: null, handoff: "stale: x" });
    expect(open({ mode: "never" })).toMatchObject({ resume: expect.any(String), fresh: null, handoff: expect.any(String) });
  });

  it("under economic a head over the compaction threshold is not resumed as it is", () => {
    expect(open({ resumeCapTokens: 30_000 }).resume).toBe("the 41K-token history is over the compaction threshold (30K)");
    expect(open({ resumeCapTokens: 50_000 }).resume).toBeNull();
    expect(open({ prefix: { ...head(40_000, 2), primed: false } }).compact_resume).toMatch(/compacted session already/);
  });
});

describe("the choice", () => {
  const p = (option: OptionPrediction["option"], costUsd: number, allowed = true): OptionPrediction => ({ option, allowed, why: allowed ? null : "closed", costUsd, durationMs: 0, cacheWriteTokens: 0, cacheReadTokens: 0 });

  it("takes the cheapest open option, plain fresh weighed by its weight", () => {
    expect(choose([p("resume", 0.1), p("handoff", 0.06), p("fresh", 0.04)], 2).option).toBe("handoff");
    expect(choose([p("resume", 0.1), p("handoff", 0.06), p("fresh", 0.04)], 1).option).toBe("fresh");
    expect(choose([p("resume", 0.01, false), p("handoff", 0.06), p("fresh", 0.04)], 2).option).toBe("handoff");
    expect(choose([p("resume", 0.05), p("handoff", 0.05)], 2).option).toBe("resume");
  });

  it("warm: resumes; expired: hands off instead of writing the history again", () => {
    // 15K tokens of history: warm reads beat a new session's writes; expired, they do not.
    const warm = planJob(input());
    expect(warm.option).toBe("resume");
    expect(warm.sessionId).toBe("head");
    expect(warm.reason).toMatch(/^resumed: cache warm, written 2 min ago; predicted \$0\.\d{3} vs \$0\.\d{3} with a handoff$/);
    const cold = planJob(input({ facts: facts(head(15_000, 42)) }));
    expect(cold.option).toBe("handoff");
    expect(cold.sessionId).toBeNull();
    expect(cold.handoff).toBe("handoff text");
    expect(cold.reason).toMatch(/^fresh with handoff: cache expired, last used 42 min ago \(5-minute TTL\); resuming would write the 15K-token history again; predicted \$0\.\d{3} vs \$0\.\d+ resuming$/);
    expect(cold.predictions.map((x) => x.option)).toEqual(["resume", "compact_resume", "handoff", "fresh"]);
    expect(cold.predictions.every((x) => x.costUsd > 0)).toBe(true);
  });

  it("even warm, a long enough history costs more to carry than a handoff", () => {
    expect(planJob(input({ facts: facts(head(80_000, 1)) })).option).toBe("handoff");
  });

  it("a seed rule's reason leads when it closed resuming", () => {
    const plan = planJob(input({ seed: { resume: false, reason: "stale", detail: "last used 1500 min ago (limit 1440 min)" }, facts: facts(head(15_000, 1500)) }));
    expect(plan.option).toBe("handoff");
    expect(plan.reason).toMatch(/^fresh with handoff: stale: last used 1500 min ago \(limit 1440 min\); predicted/);
  });

  it("always and never keep today's reasons", () => {
    expect(planJob(input({ mode: "always", facts: facts(head(15_000, 42)) }))).toMatchObject({ option: "resume", reason: "resumable", handoff: null });
    expect(planJob(input({ mode: "never" }))).toMatchObject({ option: "fresh", sessionId: null, handoff: null });
    expect(planJob(input({ mode: "never" })).reason).toMatch(/^policy_never: /);
  });

  it("says when the compaction threshold closed a resume that would have been cheapest", () => {
    const plan = planJob(input({ resumeCapTokens: 10_000 }));
    expect(plan.option).not.toBe("resume");
    expect(plan.reason).toContain("the 16K-token history is over the compaction threshold (10K)");
  });
});

describe("the cache TTL for the next update", () => {
  const ttlInput = (over: Partial<TtlInput> = {}): TtlInput => ({
    mode: "economic", resumeOff: false, compactionFollows: false, endPrefix: head(60_000, 0), lastStepWriteTokens: 2000, nextFacts: facts(null),
    resumeCapTokens: null, handoffNext: false, freshWeight: 2, profile: initialProfile(), prices: opus.prices, gaps: [], ...over,
  });
  const within = (minutes: number, n: number) => Array.from({ length: n }, () => minutes * MIN);

  it("reads the odds of the next pause from the project's pauses, one pseudo-count per band", () => {
    expect(gapOdds([])).toEqual({ within5m: 1 / 3, within1h: 1 / 3, later: 1 / 3 });
    expect(gapOdds([...within(2, 3), ...within(20, 4)])).toEqual({ within5m: 4 / 10, within1h: 5 / 10, later: 1 / 10 });
  });

  it("keeps a large history an hour when pauses of 5-60 minutes are the habit", () => {
    const choice = chooseTtl(ttlInput({ gaps: within(20, 10) }));
    expect(choice.ttl).toBe("1h");
    expect(choice.expectedSavingUsd).toBeGreaterThan(choice.extraCostUsd);
  });

  it("stays at 5 minutes for bursts, a tiny history, never, resume turned off, or a compaction to come", () => {
    expect(chooseTtl(ttlInput({ gaps: within(2, 10) })).ttl).toBe("5m");
    expect(chooseTtl(ttlInput({ gaps: within(20, 10), endPrefix: { ...head(500, 0), tailTokens: 0 }, lastStepWriteTokens: 2000 })).ttl).toBe("5m");
    expect(chooseTtl(ttlInput({ gaps: within(20, 10), mode: "never" })).ttl).toBe("5m");
    // Resume turned off (the flag or the project's override): the next update starts a new session anyway.
    expect(chooseTtl(ttlInput({ gaps: within(20, 10), resumeOff: true })).ttl).toBe("5m");
    expect(chooseTtl(ttlInput({ gaps: within(20, 10), compactionFollows: true })).ttl).toBe("5m");
    expect(chooseTtl(ttlInput({ gaps: within(20, 10), resumeCapTokens: 50_000 })).ttl).toBe("5m");
  });

  it("under economic the saving is against the next update's best cold option, not a cold resume", () => {
    const resumeOnly = chooseTtl(ttlInput({ gaps: within(20, 10), mode: "always" }));
    const withHandoff = chooseTtl(ttlInput({ gaps: within(20, 10), handoffNext: true, nextFacts: { ...facts(null), handoffTokens: 1500 } }));
    expect(withHandoff.expectedSavingUsd).toBeLessThan(resumeOnly.expectedSavingUsd);
  });
});

describe("words and vars", () => {
  it("durations read as people say them", () => {
    expect([ago(45_000), ago(2 * MIN), ago(3 * 60 * MIN), ago(3 * 24 * 60 * MIN)]).toEqual(["45 s", "2 min", "3 h", "3 days"]);
  });

  it("says when plain fresh was cheaper but kept no context", () => {
    const p = (option: OptionPrediction["option"], costUsd: number): OptionPrediction => ({ option, allowed: true, why: null, costUsd, durationMs: 0, cacheWriteTokens: 0, cacheReadTokens: 0 });
    const text = explain({ chosen: p("handoff", 0.068), runnerUp: p("fresh", 0.059), resumeOpen: null, prefix: null, now: NOW, seedReason: "stale: last used 2 days ago", capNote: null });
    expect(text).toBe("fresh with handoff: stale: last used 2 days ago; predicted $0.068 vs $0.059 fresh, which keeps no context");
  });

  it("explains a warm resume as the issue's example does", () => {
    const p = (option: OptionPrediction["option"], costUsd: number): OptionPrediction => ({ option, allowed: true, why: null, costUsd, durationMs: 0, cacheWriteTokens: 0, cacheReadTokens: 0 });
    const text = explain({ chosen: p("resume", 0.03), runnerUp: p("fresh", 0.08), resumeOpen: p("resume", 0.03), prefix: head(20_000, 2), now: NOW, seedReason: null, capNote: null });
    expect(text).toBe("resumed: cache warm, written 2 min ago; predicted $0.030 vs $0.080 fresh");
  });

  it("the policy's TTL list is the runner protocol's", () => {
    expect([...CACHE_TTLS]).toEqual(CacheTtl.options);
  });
});
