// The request's kind in the resume policy's predictions (src/policy/request-kind.ts, profile.ts)
// and the lean metadata step as the predictions model it (issue 15: prediction error).
import { describe, expect, it } from "vitest";
import { workload } from "../../bench/workload.ts";
import { findModel } from "../../src/models/table.ts";
import { estimateStep } from "../../src/policy/cost-model.ts";
import type { StepEstimate } from "../../src/policy/cost-model.ts";
import { learn } from "../../src/policy/learn.ts";
import type { JobObservation, StepObservation } from "../../src/policy/learn.ts";
import { estimateJob, predictJob, prefixWarm } from "../../src/policy/predict.ts";
import type { JobFacts } from "../../src/policy/predict.ts";
import { initialProfile, requestWork } from "../../src/policy/profile.ts";
import { freshWeightFor } from "../../src/policy/fresh-weight.ts";
import { classifyRequest } from "../../src/policy/request-kind.ts";
import type { RequestClass } from "../../src/policy/request-kind.ts";
import type { PrefixState, ProjectProfile, Work, WorkSample } from "../../src/policy/types.ts";

const opus = findModel("claude-opus-5-5");
const haiku = findModel("claude-haiku-4-5");
if (opus === null || haiku === null) throw new Error("model table lacks claude-opus-5-5 or claude-haiku-4-5");
const prices = opus.prices;
const FLOOR = opus.minCacheableTokens;
const NOW = Date.parse("2027-03-01T12:00:00Z");
const MIN = 60_000;

const head = (contextTokens: number, minutesAgo: number): PrefixState => ({ sessionId: "head", contextTokens, tailTokens: 20, usedAt: NOW - minutesAgo * MIN, ttl: "5m", primed: true });
const CTX = { filesPerUpdate: 2.5, documentationTokens: 4_000 };
const facts = (request: RequestClass | undefined, over: Partial<JobFacts> = {}): JobFacts => ({
  now: NOW, prefix: head(8_000, 1), requestTokens: 60, handoffTokens: 1500, metadataPromptTokens: 300, documentationTokens: 4_000,
  filesPerUpdate: 2.5, sharedPrefixWarm: true, cacheFloorTokens: FLOOR, metadataStep: "lean", ...over, ...(request === undefined ? {} : { request }),
});

describe("classifying a request's text", () => {
  it("tells the benchmark's forms apart, and counts the files or features an edit names", () => {
    const w = workload({ files: 30, fileKb: null, updates: 40, seed: 1, contextChance: 0.6, featureShare: 0.75 });
    for (const u of w.updates) {
      const c = classifyRequest(u.prompt);
      expect(c.kind, u.prompt).toBe(u.kind === "edit" ? u.names : "context");
      if (u.kind === "edit") expect(c.targets, u.prompt).toBe(u.files.length);
    }
  });

  it("reads forms users write", () => {
    expect(classifyRequest("in src/x.ts change the title to Home")).toEqual({ kind: "path", targets: 1 });
    expect(classifyRequest("Update package.json and src/index.ts: bump the version")).toEqual({ kind: "path", targets: 2 });
    expect(classifyRequest("Fix the typo in README.md.")).toEqual({ kind: "path", targets: 1 });
    expect(classifyRequest("make the login page blue")).toEqual({ kind: "feature", targets: 1 });
    expect(classifyRequest("add dark mode")).toEqual({ kind: "feature", targets: null });
    // A version number, an abbreviation or a library is not a file.
    expect(classifyRequest("upgrade the parser to 1.2.3").kind).toBe("feature");
    expect(classifyRequest("add a chart, e.g. a bar chart, with Chart.js on Node.js").kind).toBe("feature");
    for (const text of ["undo version 7", "revert the last change", "roll back that edit", "do the same for the footer", "make the same edit you made to a.ts in b.ts", "rename what you added last time to total"]) {
      expect(classifyRequest(text).kind, text).toBe("context");
    }
  });
});

/** A job as the engine would bill it, given the request's true work in a warm resumed session. */
function billed(f: JobFacts, truth: Work, changedPaths: number): JobObservation {
  const start = estimateJob("resume", f, initialProfile(), prices, "5m").mainStartTokens;
  const cached = prefixWarm(f.prefix, f.now) ? (f.prefix?.contextTokens ?? 0) : 0;
  const main = estimateStep(prices, { cached, written: start - cached, ...truth, ttl: "5m", floorTokens: FLOOR });
  const mainEnd = start + truth.growth;
  const metaStart = mainEnd + 20 + f.metadataPromptTokens;
  // A lean step: 300 tokens of thinking and recommendations, 70 a changed path.
  const meta = estimateStep(prices, { cached: mainEnd, written: metaStart - mainEnd, calls: 1, growth: 0, output: 300 + 70 * changedPaths, ttl: "5m", floorTokens: FLOOR });
  const step = (e: StepEstimate, end: number, output: number): StepObservation => ({
    inputTokens: 0, cacheWriteTokens: e.writeTokens, cacheReadTokens: e.readTokens, outputTokens: output, contextTokens: end, textTokens: 20, costUsd: e.costUsd, durationMs: e.durationMs,
  });
  return { option: "resume", facts: f, metadataTtl: "5m", compaction: null, main: step(main, mainEnd, truth.output), metadata: step(meta, metaStart, 300 + 70 * changedPaths), workspaceBytes: 30 * 1000, fileCount: 30, changedPaths };
}

const actual = (o: JobObservation): number => o.main.costUsd + o.metadata.costUsd;

describe("the request's work per kind", () => {
  const largePath = { calls: 3, growth: 9_000, output: 4_000 };
  const smallFeature = { calls: 4, growth: 900, output: 500 };

  /** Six large path edits, then three small feature requests. */
  function project(): ProjectProfile {
    let profile = initialProfile();
    for (let i = 0; i < 6; i++) profile = learn(profile, billed(facts({ kind: "path", targets: 3 }), largePath, 3), prices);
    for (let i = 0; i < 3; i++) profile = learn(profile, billed(facts({ kind: "feature", targets: 1 }), smallFeature, 1), prices);
    return profile;
  }

  it("a project whose past updates were large path edits does not over-predict a small feature request", () => {
    const profile = project();
    const f = facts({ kind: "feature", targets: 1 });
    const truth = actual(billed(f, smallFeature, 1));
    const predicted = predictJob("resume", f, profile, prices, "5m").costUsd;
    expect(Math.abs(predicted - truth) / truth).toBeLessThan(0.1);
    // Pooled, as before kinds: the large edits' median.
    const pooled = estimateJob("resume", f, profile, prices, "5m", requestWork(profile, null, CTX)).costUsd;
    expect(pooled / truth).toBeGreaterThan(2);
  });

  it("a kind with too few samples is predicted from every kind pooled", () => {
    const profile = project();
    expect(requestWork(profile, { kind: "context", targets: null }, CTX)).toEqual(requestWork(profile, null, CTX));
  });

  it("within a kind, a request that names more files is predicted to do more", () => {
    const samples: WorkSample[] = [2, 3, 2, 3].map((targets) => ({ calls: 3, growth: 500 * targets, output: 300 + 200 * targets, kind: "path", targets }));
    const profile: ProjectProfile = { ...initialProfile(), work: samples };
    expect(requestWork(profile, { kind: "path", targets: 3 }, CTX)).toEqual({ calls: 3, growth: 1500, output: 900 });
    expect(requestWork(profile, { kind: "path", targets: 2 }, CTX)).toEqual({ calls: 3, growth: 1000, output: 700 });
  });
});

describe("the lean metadata step as it runs", () => {
  it("costs what its changed paths ask, not the whole documentation restated", () => {
    // A 200-file project's first update: 15K tokens of documentation, nothing learned yet.
    const big = { documentationTokens: 15_000 };
    const one = estimateJob("resume", facts({ kind: "path", targets: 1 }, big), initialProfile(), prices, "5m");
    const three = estimateJob("resume", facts({ kind: "path", targets: 3 }, big), initialProfile(), prices, "5m");
    const legacy = estimateJob("resume", facts({ kind: "path", targets: 1 }, { ...big, metadataStep: "legacy" }), initialProfile(), prices, "5m");
    expect(legacy.costUsd - one.costUsd).toBeGreaterThan((10_000 * prices.outputPerMTok) / 1e6);
    // Two more paths: two more sentences of output (a new session would also read them).
    expect(three.costUsd - one.costUsd).toBeCloseTo((2 * 70 * prices.outputPerMTok) / 1e6, 6);
  });

  it("is a fork: the head the next update resumes is the update's session, not grown by the step", () => {
    const f = facts({ kind: "path", targets: 2 });
    const lean = estimateJob("resume", f, initialProfile(), prices, "5m");
    const legacy = estimateJob("resume", { ...f, metadataStep: "legacy" }, initialProfile(), prices, "5m");
    expect(lean.endContextTokens).toBeLessThan(legacy.endContextTokens - f.metadataPromptTokens);
  });

  it("learns from the project's own steps how its cost scales with the changed paths", () => {
    let profile = initialProfile();
    for (const paths of [1, 3, 2, 3]) profile = learn(profile, billed(facts({ kind: "path", targets: paths }), { calls: 3, growth: 800, output: 600 }, paths), prices);
    expect(profile.metadataSamples.map((s) => s.targets)).toEqual([1, 3, 2, 3]);
    const f = facts({ kind: "path", targets: 3 });
    const truth = actual(billed(f, { calls: 3, growth: 800, output: 600 }, 3));
    expect(Math.abs(predictJob("resume", f, profile, prices, "5m").costUsd - truth) / truth).toBeLessThan(0.03);
  });

  it("on another model (METADATA_MODEL) is priced with that model's prices and writes the whole context to its own cache", () => {
    const f = facts({ kind: "path", targets: 2 });
    const same = estimateJob("resume", f, initialProfile(), prices, "5m");
    const other = estimateJob("resume", { ...f, metadataModel: { prices: haiku.prices, minCacheableTokens: haiku.minCacheableTokens } }, initialProfile(), prices, "5m");
    expect(other.costUsd).not.toBeCloseTo(same.costUsd, 4);
    expect(other.writeTokens - same.writeTokens).toBeGreaterThan(8_000);
  });
});

describe("plain fresh's weight by what the request asks", () => {
  it("a request that refers to earlier work carries the context weight; one naming files or a feature the ordinary one", () => {
    const config = { freshWeight: 1.6, freshWeightOrdinary: 1 };
    expect(freshWeightFor(classifyRequest("undo version 7").kind, config)).toBe(1.6);
    expect(freshWeightFor(classifyRequest("make the same edit you made to the price badge feature in the cart feature").kind, config)).toBe(1.6);
    expect(freshWeightFor(classifyRequest("in src/cart.ts replace 'total' with 'subtotal'").kind, config)).toBe(1);
    expect(freshWeightFor(classifyRequest("make the price show two decimals").kind, config)).toBe(1);
  });
});
