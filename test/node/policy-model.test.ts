// The resume policy's cost model and predictions (src/policy), without a Durable Object.
import { describe, expect, it } from "vitest";
import { findModel } from "../../src/models/table.ts";
import { estimateStep } from "../../src/policy/cost-model.ts";
import type { StepEstimate } from "../../src/policy/cost-model.ts";
import { learn } from "../../src/policy/learn.ts";
import type { JobObservation, StepObservation } from "../../src/policy/learn.ts";
import { estimateJob, predictJob, prefixWarm } from "../../src/policy/predict.ts";
import type { JobFacts } from "../../src/policy/predict.ts";
import { planJob } from "../../src/policy/plan.ts";
import { initialProfile, ownWork } from "../../src/policy/profile.ts";
import type { PathOption, PrefixState, ProjectProfile } from "../../src/policy/types.ts";

const opus = findModel("claude-opus-5-5");
if (opus === null) throw new Error("model table lacks claude-opus-5-5");
const prices = opus.prices;
const FLOOR = opus.minCacheableTokens;
const NOW = Date.parse("2027-03-01T12:00:00Z");
const MIN = 60_000;

const prefix = (contextTokens: number, minutesAgo: number, ttl: "5m" | "1h" = "5m", primed = true): PrefixState => ({
  sessionId: "head", contextTokens, tailTokens: 900, usedAt: NOW - minutesAgo * MIN, ttl, primed,
});

const facts = (head: PrefixState | null, over: Partial<JobFacts> = {}): JobFacts => ({
  now: NOW, prefix: head, requestTokens: 50, handoffTokens: 1500, metadataPromptTokens: 1100, documentationTokens: 900,
  filesPerUpdate: 2, sharedPrefixWarm: false, cacheFloorTokens: FLOOR, ...over,
});

describe("step cost model", () => {
  it("prices a resumed update as Claude Code billed it (simulator log: 2 calls, 11,509 cached, 966 new, +202, 528 output → $0.0212)", () => {
    const e = estimateStep(prices, { cached: 11_509, written: 966, calls: 2, growth: 202, output: 528, ttl: "5m", floorTokens: FLOOR });
    expect(e.readTokens).toBe(11_509 + 12_475);
    expect(e.writeTokens).toBe(1168);
    expect(e.costUsd).toBeCloseTo(0.0211968, 6);
  });

  it("bills 1-hour writes at the 1-hour price", () => {
    const five = estimateStep(prices, { cached: 0, written: 10_000, calls: 1, growth: 0, output: 0, ttl: "5m", floorTokens: FLOOR });
    const hour = estimateStep(prices, { cached: 0, written: 10_000, calls: 1, growth: 0, output: 0, ttl: "1h", floorTokens: FLOOR });
    expect(hour.costUsd - five.costUsd).toBeCloseTo((10_000 * (prices.cacheWrite1hPerMTok - prices.cacheWrite5mPerMTok)) / 1e6, 9);
  });
});

describe("the model's cache floor", () => {
  it("a prompt under the minimum cacheable prefix is billed as plain input: nothing written, nothing read", () => {
    const step = { cached: 1650, written: 600, calls: 2, growth: 300, output: 100, ttl: "5m" } as const;
    const cached = estimateStep(prices, { ...step, floorTokens: 512 });
    const under = estimateStep(prices, { ...step, floorTokens: 4096 });
    expect(under.readTokens + under.writeTokens).toBe(0);
    // Both calls' whole prompts at the input price: 2,250 and 2,550 tokens.
    expect(under.costUsd).toBeCloseTo(((2250 + 2550) * prices.inputPerMTok + 100 * prices.outputPerMTok) / 1e6, 9);
    expect(under.costUsd).toBeGreaterThan(cached.costUsd);
  });

  it("a model whose floor is above the tools + system prefix never reads it from the cache", () => {
    // A 3,000-token handoff takes the new session's first prompt over a 4,096 floor.
    const f = facts(prefix(40_000, 20), { sharedPrefixWarm: true, handoffTokens: 3000 });
    const low = estimateJob("handoff", f, initialProfile(), prices, "5m");
    const high = estimateJob("handoff", { ...f, cacheFloorTokens: 4096 }, initialProfile(), prices, "5m");
    // Its first call writes the 1,650-token shared prefix instead of reading it.
    expect(high.costUsd - low.costUsd).toBeCloseTo((1650 * (prices.cacheWrite5mPerMTok - prices.cacheReadPerMTok)) / 1e6, 9);
  });
});

describe("cache warmth", () => {
  it("is the prefix's TTL since its last use; a compacted head is never warm", () => {
    expect(prefixWarm(prefix(20_000, 4), NOW)).toBe(true);
    expect(prefixWarm(prefix(20_000, 6), NOW)).toBe(false);
    expect(prefixWarm(prefix(20_000, 30, "1h"), NOW)).toBe(true);
    expect(prefixWarm(prefix(20_000, 61, "1h"), NOW)).toBe(false);
    expect(prefixWarm(prefix(20_000, 1, "5m", false), NOW)).toBe(false);
    expect(prefixWarm(null, NOW)).toBe(false);
  });
});

describe("job predictions", () => {
  const profile = initialProfile();

  it("a cold resume pays the whole history again at the write price, a warm one reads it", () => {
    const warm = predictJob("resume", facts(prefix(40_000, 2)), profile, prices, "5m");
    const cold = predictJob("resume", facts(prefix(40_000, 20)), profile, prices, "5m");
    // The first call of the update either reads or writes the 40K-token history.
    expect(cold.costUsd - warm.costUsd).toBeCloseTo((40_000 * (prices.cacheWrite5mPerMTok - prices.cacheReadPerMTok)) / 1e6, 6);
  });

  it("a handoff costs its own tokens on top of a plain fresh start", () => {
    const fresh = predictJob("fresh", facts(prefix(40_000, 20)), profile, prices, "5m");
    const handoff = predictJob("handoff", facts(prefix(40_000, 20)), profile, prices, "5m");
    expect(handoff.costUsd).toBeGreaterThan(fresh.costUsd);
    expect(handoff.mainStartTokens - fresh.mainStartTokens).toBe(1500);
  });

  it("compacting first costs the compaction, then starts the update from the summary", () => {
    const head = prefix(100_000, 2);
    const resume = estimateJob("resume", facts(head), profile, prices, "5m");
    const compact = estimateJob("compact_resume", facts(head), profile, prices, "5m");
    expect(compact.mainStartTokens).toBeLessThan(resume.mainStartTokens / 3);
    // The summary is output (the dearest token): 20% of a 100K history by default.
    expect(compact.costUsd).toBeGreaterThan((0.2 * 100_000 * prices.outputPerMTok) / 1e6);
  });

  it("the metadata step's TTL prices its writes", () => {
    const f = facts(prefix(40_000, 2));
    const five = estimateJob("resume", f, profile, prices, "5m");
    const hour = estimateJob("resume", f, profile, prices, "1h");
    expect(hour.costUsd - five.costUsd).toBeCloseTo((five.metadataWriteTokens * (prices.cacheWrite1hPerMTok - prices.cacheWrite5mPerMTok)) / 1e6, 9);
  });
});

describe("learning a project", () => {
  /** A job as the engine would bill it if the project's true shapes were these. */
  function simulate(option: "resume" | "handoff", f: JobFacts, truth: { calls: number; growth: number; output: number }, metaOutput: number): JobObservation {
    const start = estimateJob(option, f, initialProfile(), prices, "5m").mainStartTokens;
    const cached = option === "resume" && f.prefix !== null && prefixWarm(f.prefix, f.now) ? f.prefix.contextTokens : 0;
    const main = estimateStep(prices, { cached, written: start - cached, calls: truth.calls, growth: truth.growth, output: truth.output, ttl: "5m", floorTokens: FLOOR });
    const mainEnd = start + truth.growth;
    const metaStart = mainEnd + 20 + f.metadataPromptTokens;
    const meta = estimateStep(prices, { cached: mainEnd, written: metaStart - mainEnd, calls: 1, growth: 0, output: metaOutput, ttl: "5m", floorTokens: FLOOR });
    const obs = (e: typeof main, end: number, output: number, text: number): StepObservation => ({
      inputTokens: 0, cacheWriteTokens: e.writeTokens, cacheReadTokens: e.readTokens, outputTokens: output, contextTokens: end, textTokens: text, costUsd: e.costUsd, durationMs: e.durationMs,
    });
    return {
      option, facts: f, metadataTtl: "5m", compaction: null,
      main: obs(main, mainEnd, truth.output, 20), metadata: obs(meta, metaStart, metaOutput, 2500),
      workspaceBytes: 200 * 5000, fileCount: 200,
    };
  }

  it("the prediction error of a project unlike the priors falls below 5% within three jobs", () => {
    // A project whose updates make 5 calls, add 6K tokens and write 2K output, and whose documentation answer is 3K tokens.
    const truth = { calls: 5, growth: 6000, output: 2000 };
    let profile = initialProfile();
    const errors: number[] = [];
    for (let i = 0; i < 4; i++) {
      const f = facts(prefix(30_000 + i * 5000, 2), { now: NOW + i * MIN });
      const obs = simulate("resume", f, truth, 3000);
      const actual = obs.main.costUsd + obs.metadata.costUsd;
      errors.push(Math.abs(predictJob("resume", f, profile, prices, "5m").costUsd - actual) / actual);
      profile = learn(profile, obs, prices);
    }
    expect(errors[0]).toBeGreaterThan(0.3);
    expect(errors[3]).toBeLessThan(0.05);
    expect(profile.work.map((w) => Math.round(w.calls))).toEqual([5, 5, 5, 5]);
    expect(profile.metadataTail.tokens).toBe(2500);
    expect(profile.fileCount).toBe(200);
  });

  it("a fresh or handoff job teaches the request's own work, net of what a session without the history adds", () => {
    const f = facts(prefix(30_000, 30));
    const profile = learn(initialProfile(), simulate("handoff", f, { calls: 4, growth: 3000, output: 900 }, 1200), prices);
    // A new session makes one more call and reads the 2 files it changes (5,000-byte files: 1,250 tokens each).
    expect(profile.work).toHaveLength(1);
    // Kept as observed, marked as a new session's; its own work is net of the overhead.
    const sample = profile.work[0];
    if (sample === undefined) throw new Error("no sample");
    expect(sample).toMatchObject({ session: "new", calls: expect.closeTo(4, 1), growth: expect.closeTo(3000, 0) });
    const own = ownWork(sample, profile, { filesPerUpdate: f.filesPerUpdate, documentationTokens: f.documentationTokens });
    expect(own.calls).toBeCloseTo(3, 1);
    expect(own.growth).toBeCloseTo(3000 - 2 * 1250, 0);
    expect(profile.correction.handoff.seen).toBe(1);
    expect(profile.correction.resume.seen).toBe(0);
  });
});

describe("the request apart from the option (issue 15: one large update made a project avoid resume)", () => {
  /** A job billed as the engine bills it, given the request's true work in that session. */
  function billed(option: PathOption, f: JobFacts, truth: { calls: number; growth: number; output: number }): JobObservation {
    const start = estimateJob(option, f, initialProfile(), prices, "5m").mainStartTokens;
    const cached = option === "resume" && prefixWarm(f.prefix, f.now) ? (f.prefix?.contextTokens ?? 0) : 0;
    const main = estimateStep(prices, { cached, written: start - cached, calls: truth.calls, growth: truth.growth, output: truth.output, ttl: "5m", floorTokens: FLOOR });
    const mainEnd = start + truth.growth;
    const metaStart = mainEnd + 20 + f.metadataPromptTokens;
    const meta = estimateStep(prices, { cached: mainEnd, written: metaStart - mainEnd, calls: 1, growth: 0, output: 700, ttl: "5m", floorTokens: FLOOR });
    const step = (e: StepEstimate, end: number, output: number, text: number): StepObservation => ({
      inputTokens: 0, cacheWriteTokens: e.writeTokens, cacheReadTokens: e.readTokens, outputTokens: output, contextTokens: end, textTokens: text, costUsd: e.costUsd, durationMs: e.durationMs,
    });
    return { option, facts: f, metadataTtl: "5m", compaction: null, main: step(main, mainEnd, truth.output, 20), metadata: step(meta, metaStart, 700, 400), workspaceBytes: 15 * 1000, fileCount: 15 };
  }
  const small = { facts: { requestTokens: 20, handoffTokens: 400, metadataPromptTokens: 500, documentationTokens: 300, sharedPrefixWarm: true } } as const;

  it("create, a 12-file scaffold resumed, a reset, an append started fresh: the next small append with the cache warm and a tiny head resumes", () => {
    let profile: ProjectProfile = { ...initialProfile(), workspaceBytes: 3 * 1000, fileCount: 3 };
    // Version 2, `scaffold 12 files under big`, resumed: 12 Writes are 12 tool calls of about 250 tokens each, all output.
    const scaffold = facts(prefix(4_000, 1), { ...small.facts, filesPerUpdate: 1, now: NOW - 10 * MIN });
    profile = learn(profile, billed("resume", scaffold, { calls: 2, growth: 3_500, output: 3_600 }), prices);
    // The owner resets; version 3, `append to r.md: after reset`, can only start fresh: it reads r.md, then appends.
    const afterReset = facts(null, { ...small.facts, filesPerUpdate: 6.5, now: NOW - 3 * MIN });
    profile = learn(profile, billed("fresh", afterReset, { calls: 3, growth: 300, output: 500 }), prices);
    // Version 4, `append to r.md: and resumed again`: the head is version 3's session, 3.5K tokens, used a minute ago.
    const next = planJob({ mode: "economic", seed: { resume: true, sessionId: "head", reason: "resumable" }, facts: facts(prefix(3_500, 1), { ...small.facts, filesPerUpdate: 6.5 }), profile, prices, handoff: "handoff", freshWeight: 2, resumeCapTokens: null });
    const cost = (o: PathOption) => next.predictions.find((p) => p.option === o)?.costUsd ?? 0;
    expect(next.option).toBe("resume");
    // Resuming a 3.5K-token warm head for an append costs cents, not the scaffold's price.
    expect(cost("resume")).toBeLessThan(0.04);
    expect(cost("resume")).toBeLessThan(cost("handoff"));
  });
});
