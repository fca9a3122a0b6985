// The benchmark (npm run bench) in its tiny configuration, through the CLI: one scenario in
// one mode pair (policy and plain fresh), each chain on its own stack, the edge part alongside. Structure and behaviour
// only: cost and speed targets live in the benchmark's own report, never in a test.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calibration, calibrationMessage } from "../../bench/calibration.ts";
import type { StepCheck } from "../../bench/calibration.ts";
import { bootstrapMeanCi } from "../../bench/stats.ts";
import { bandCounts, drawPauses, PAUSE_BANDS } from "../../bench/think-time.ts";
import { oracle, policyTargets } from "../../bench/oracle.ts";
import type { BenchResults, ChainResult, ModeStats, UpdateRecord } from "../../bench/types.ts";
import { workload } from "../../bench/workload.ts";
import { parseInstructions } from "../../scripts/simulator/instructions.ts";
import { scaffoldContent } from "../../scripts/simulator/scaffold.ts";
import { scaffoldFile } from "../../scripts/simulator/scaffold-size.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let dir = "";
let results: BenchResults;
let stdout = "";
let exitCode: number | null = null;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bench/run.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => { out += c.toString(); });
    child.stderr.on("data", (c: Buffer) => { err = (err + c.toString()).slice(-20_000); });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout: out, stderr: err }));
  });
}

function chain(mode: string): ChainResult {
  const c = results.chains.find((x) => x.mode === mode);
  if (c === undefined) throw new Error(`chain ${mode} missing`);
  return c;
}

function expectStats(s: ModeStats | undefined): void {
  expect(s).toBeDefined();
  if (s === undefined) return;
  const { mean, ci95 } = s.costUsd;
  expect(mean).toBeGreaterThan(0);
  expect(ci95).not.toBeNull();
  expect(ci95?.[0]).toBeLessThanOrEqual(mean ?? 0);
  expect(ci95?.[1]).toBeGreaterThanOrEqual(mean ?? 0);
  expect(s.wallMs.p50).toBeGreaterThan(0);
  // 4 updates: too few for a p95.
  expect(s.wallMs).not.toHaveProperty("p95");
  expect(s.qualityScore).toBeGreaterThanOrEqual(0);
  expect(s.qualityScore).toBeLessThanOrEqual(1);
}

describe("npm run bench -- --tiny", () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "bench-test-"));
    const out = join(dir, "results.json");
    const done = await run(["--tiny", "--out", out]);
    exitCode = done.code;
    stdout = done.stdout;
    try {
      results = JSON.parse(await readFile(out, "utf8")) as BenchResults;
    } catch {
      throw new Error(`bench exited ${done.code} without results\n${done.stderr}`);
    }
    // About 2 minutes on an idle 2-core machine; under 5 when the machine is shared.
  }, 600_000);

  afterAll(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("writes results.json in the issue's shape, per scenario and over all scenarios", () => {
    expect(results.calibration.maxRelativeError).toEqual(expect.any(Number));
    expect(results.scenarios).toHaveLength(1);
    const [scenario] = results.scenarios;
    expect(scenario).toMatchObject({ name: "8-files-seed-1", files: 8, updates: 4, seed: 1 });
    expect(Object.keys(scenario?.modes ?? {})).toEqual(["fresh", "policy"]);
    for (const mode of ["fresh", "policy"]) {
      expectStats(scenario?.modes[mode]);
      expectStats(results.summary[mode]);
    }
  });

  it("agrees with Claude Code's own cost on every step (calibration), else exits 1", () => {
    // Every step of both chains is checked: at least the create's build and each update's own step.
    const steps = results.chains.reduce((t, c) => t + c.create.steps.length + c.updates.reduce((n, u) => n + u.steps.length, 0), 0);
    expect(results.calibration.steps).toBe(steps);
    expect(steps).toBeGreaterThanOrEqual(2 * (1 + 4));
    expect(results.calibration.maxRelativeError).toBeLessThanOrEqual(0.005);
    expect(exitCode).toBe(0);
  });

  it("runs the same workload and pauses in every mode; both clocks see the pauses", () => {
    const fresh = chain("fresh");
    const policy = chain("policy");
    expect(fresh.vars).toMatchObject({ SESSION_RESUME_ENABLED: "false", SESSION_POLICY: "always" });
    expect(policy.vars).toMatchObject({ SESSION_RESUME_ENABLED: "true", SESSION_POLICY: "economic" });
    for (const c of [fresh, policy]) expect(c.updates.map((u) => u.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    expect(policy.updates.map((u) => [u.kind, u.names, u.pauseMs])).toEqual(fresh.updates.map((u) => [u.kind, u.names, u.pauseMs]));
    expect(new Set(policy.updates.map((u) => u.pauseBand))).toEqual(new Set(PAUSE_BANDS.map((b) => b.name)));
    expect(policy.updates.some((u) => u.kind !== "edit")).toBe(true);
    expect(results.workload).toEqual({ featureShare: 0.75, ordinaryEdits: 2, featureRequests: fresh.updates.filter((u) => u.names === "feature").length, contextDependent: 2 });
    // The pause of over a day reaches the Durable Object: the 24-hour stale rule closes resuming.
    for (const u of policy.updates) if (u.pauseBand === "over 1 day") expect(u.reason).toMatch(/stale/);
    for (const u of fresh.updates) expect(u.reason).toMatch(/^flag_off/);
    // Within the cache TTL the policy resumes, and the resumed update reads its history from the prompt cache.
    const quick = policy.updates.find((u) => u.pauseBand === "under 5 min");
    expect(quick?.policy?.choice).toBe("resume");
    expect(quick?.tokens.cacheRead).toBeGreaterThan(quick?.tokens.cacheWrite ?? 0);
  });

  it("records the commit it measured and runs every chain with its size's compaction threshold", () => {
    expect(results.commit?.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(results.commit?.dirty).toEqual(expect.any(Boolean));
    expect(results.config["sizes"]).toEqual([{ files: 8, fileKb: null, compactionThreshold: 6_000 }]);
    for (const c of results.chains) expect(c.vars["COMPACTION_THRESHOLD_TOKENS"]).toBe("6000");
  });

  it("scores context quality: ordinary edits are right in every mode; a plain new session finds earlier work in the version log", () => {
    for (const mode of ["fresh", "policy"]) {
      for (const u of chain(mode).updates) {
        expect(u.right).not.toBeNull();
        if (u.kind === "edit") expect(u.right, `${mode} update ${u.n}: ${u.wrongPaths.join(", ")}`).toBe(true);
      }
    }
    const resumed = chain("policy").updates.filter((u) => u.kind !== "edit" && u.policy?.choice === "resume");
    for (const u of resumed) expect(u.right).toBe(true);
    // Before the version log a plain new session got none of these right; now it looks the
    // referenced version up (docs/simulator.md, "The version log": right at a documented
    // rate, so at least one here), and the policy, which keeps the context, does no worse.
    expect(chain("fresh").updates.some((u) => u.kind !== "edit" && u.right === true)).toBe(true);
    expect(results.summary["policy"]?.qualityScore ?? 0).toBeGreaterThanOrEqual(results.summary["fresh"]?.qualityScore ?? 1);
  });

  it("records the resume policy's choice per update, and reports its prediction error, its mix and the oracle", () => {
    const policy = chain("policy");
    for (const u of policy.updates) {
      const p = u.policy;
      expect(p).not.toBeNull();
      if (p === null) continue;
      expect(p.predictions.map((o) => o.option)).toEqual(["resume", "compact_resume", "handoff", "fresh"]);
      expect(p.predictions.find((o) => o.option === p.choice)?.allowed).toBe(true);
      // The 24-hour stale rule closes resuming; the policy still chooses among what is left.
      if (u.pauseBand === "over 1 day") expect(["handoff", "fresh"]).toContain(p.choice);
      // Scored: the product's actual is the engine's bill for the job (the same steps).
      if (p.actualCostUsd !== null) expect(p.actualCostUsd).toBeCloseTo(u.costUsd, 5);
    }
    // The baseline decides as before the policy: one open option.
    for (const u of chain("fresh").updates) expect(u.policy?.choice).toBe("fresh");

    const r = results.policy;
    expect(r).not.toBeNull();
    if (r === null) return;
    expect(r.scored + r.unscored).toBe(4);
    expect(r.scored).toBeGreaterThan(0);
    expect(Object.values(r.choices).reduce((a, b) => a + b, 0)).toBe(4);
    expect(r.choices).toEqual(policy.updates.reduce<Record<string, number>>((m, u) => ({ ...m, [u.policy?.choice ?? "?"]: (m[u.policy?.choice ?? "?"] ?? 0) + 1 }), {}));
    const errors = policy.updates.flatMap((u) => (u.policy?.actualCostUsd != null && u.policy.predictedCostUsd !== null ? [Math.abs(u.costUsd - u.policy.predictedCostUsd) / u.costUsd] : [])).sort((a, b) => a - b);
    expect(r.predictionErrorMedian).toBeCloseTo(errors.length % 2 === 1 ? (errors[(errors.length - 1) / 2] ?? 0) : ((errors[errors.length / 2 - 1] ?? 0) + (errors[errors.length / 2] ?? 0)) / 2, 9);
    expect(r.predictionErrorP90).toBeGreaterThanOrEqual(r.predictionErrorMedian ?? Infinity);
    expect(r.oracle.updates).toBe(r.scored);
    expect(r.oracle.policyCostUsd).toBeCloseTo(policy.updates.filter((u) => u.policy?.actualCostUsd != null).reduce((t, u) => t + u.costUsd, 0), 9);
    expect(r.oracleCostRatio).toBeCloseTo(r.oracle.policyCostUsd / r.oracle.oracleCostUsd, 9);
    expect(r.oracleCostRatio).toBeGreaterThan(0);
    expect(r.targets.map((t) => t.name)).toEqual([
      "cost vs legacy", "cost vs fresh", "cost vs the hindsight oracle", "context quality minus resume's", "context quality minus fresh's", "wall p50 vs legacy", "median prediction error", "p90 prediction error",
    ]);
    // legacy and resume did not run: their targets are not judged.
    expect(r.targets.filter((t) => t.met === null).map((t) => t.name)).toEqual(["cost vs legacy", "context quality minus resume's", "wall p50 vs legacy"]);
    expect(r.targets[1]?.value).toBeCloseTo((results.summary["policy"]?.costUsd.mean ?? 0) / (results.summary["fresh"]?.costUsd.mean ?? 0), 9);
    expect(r.targets[1]?.met).toBe((r.targets[1]?.value ?? Infinity) <= 1);
    expect(stdout).toContain("The resume policy and the hindsight oracle");
  });

  it("writes the SVG plots next to results.json", async () => {
    expect(results.plots).toEqual(["cost-by-update-8-files.svg", "cost-by-pause-8-files.svg"]);
    for (const name of results.plots) {
      const svg = await readFile(join(dir, name), "utf8");
      expect(svg).toMatch(/^<svg /);
      expect(svg).toContain(">fresh<");
      expect(svg).toContain(">policy<");
    }
  });

  it("reports the edge layer in absolute terms: ms, Durable Object RPCs, Postgres round trips", () => {
    const edge = results.edge;
    expect(edge).not.toBeNull();
    if (edge === null) return;
    expect(edge.load.ack.ms.n).toBe(2);
    expect(edge.load.jobRead.ms.n).toBe(4);
    expect(edge.idle.ack.ms.n).toBe(4);
    for (const set of [edge.load.ack, edge.load.jobRead, edge.idle.ack, edge.idle.jobRead]) {
      expect(set.ms.p50).toBeGreaterThan(0);
      expect(set.doRpcsPerRequest).toBe(1);
    }
    expect(edge.jobs).toEqual({ succeeded: 2, failed: 0 });
    expect(edge.postgresPerUpdate.queries).toBeGreaterThan(0);
    for (const u of chain("policy").updates) {
      expect(u.ack.timing?.rpcs).toBe(1);
      expect(u.postgres.queries).toBeGreaterThan(0);
    }
    expect(stdout).toContain("Edge layer");
    expect(stdout).toContain("| mode");
    expect(stdout).toContain("Assumptions:");
  });
});

const modeStatsOf = (cost: number, quality: number): ModeStats => ({ costUsd: { mean: cost, ci95: [cost, cost] }, wallMs: { p50: 1 }, qualityScore: quality, n: 1 });

describe("benchmark pieces", () => {
  it("pauses: every band in its share, the same for the same seed", () => {
    expect(bandCounts(40)).toEqual([20, 10, 7, 3]);
    expect(bandCounts(4)).toEqual([1, 1, 1, 1]);
    const pauses = drawPauses(40, 2);
    expect(drawPauses(40, 2)).toEqual(pauses);
    for (const p of pauses) {
      const band = PAUSE_BANDS.find((b) => b.name === p.band);
      expect(p.ms).toBeGreaterThanOrEqual(band?.minMs ?? Infinity);
      expect(p.ms).toBeLessThanOrEqual(band?.maxMs ?? 0);
    }
  });

  it("workload: context-dependent updates refer to earlier versions, the same for the same seed", () => {
    const shape = { files: 30, fileKb: null, updates: 40, seed: 3, contextChance: 0.6, featureShare: 0.75 };
    const w = workload(shape);
    expect(workload(shape)).toEqual(w);
    expect(w.updates.map((u) => u.version)).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
    for (const kind of ["undo", "same-edit", "rename"] as const) expect(w.updates.some((u) => u.kind === kind)).toBe(true);
    for (const u of w.updates) if (u.refersTo !== null) expect(u.refersTo).toBeLessThan(u.version);
    expect(workload({ ...shape, fileKb: [2, 8] }).createPrompt).toContain("scaffold 30 files of 2-8 KB under src");
  });

  it("the 200-file project: scaffold N files of A-B KB, sized with the seed, anchors kept once", () => {
    expect(parseInstructions("scaffold 200 files of 2-8 KB under src")).toEqual([{ op: "scaffold", count: 200, dir: "src", kb: [2, 8] }]);
    expect(parseInstructions("scaffold 30 files under src")).toEqual([{ op: "scaffold", count: 30, dir: "src", kb: null }]);
    expect(parseInstructions("scaffold 3 files of 8-2 KB under src")).toEqual([]);
    const sizes = Array.from({ length: 200 }, (_, i) => Buffer.byteLength(scaffoldFile(1, "src", i + 1, 200, [2, 8])));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(2048);
    // A file stops growing at the first helper that reaches its size (a helper is under 300 bytes).
    expect(Math.max(...sizes)).toBeLessThan(8192 + 300);
    const one = scaffoldFile(1, "src", 7, 200, [2, 8]);
    for (const anchor of ["label: string;", "limit: number;", "enabled: boolean;"]) expect(one.split(anchor)).toHaveLength(2);
    expect(scaffoldFile(1, "src", 7, 30, null)).toBe(scaffoldContent(1, "src", 7, 30));
  });

  it("oracle: the cheapest acceptable open option, the taken one at its bill, the others at their corrected prediction", () => {
    const update = (n: number, kind: UpdateRecord["kind"], choice: string, costUsd: number, predicted: Record<string, number>, right = true): UpdateRecord => ({
      n, version: n + 1, kind, names: kind === "edit" ? "path" : null, refersTo: null, pauseMs: 0, pauseBand: "under 5 min", status: "succeeded", decision: null, reason: null, costUsd,
      tokens: { input: 0, cacheWrite: 0, cacheRead: 0, output: 0 }, steps: [], compacted: false, measuredWallMs: 0, modelMs: 0, wallMs: 0, right, wrongPaths: [],
      postgres: { connections: 0, handshakes: 0, queries: 0 }, ack: { ms: 0, timing: null },
      policy: {
        choice, predictedCostUsd: predicted[choice] ?? 0, actualCostUsd: costUsd, cacheTtl: "5m",
        predictions: ["resume", "compact_resume", "handoff", "fresh"].map((option) => ({ option, allowed: option in predicted, costUsd: predicted[option] ?? 0 })),
      },
    });
    // Handoffs cost 1.2x their prediction (three of them): the oracle prices handoffs not taken that way.
    const updates = [
      update(1, "edit", "handoff", 0.12, { handoff: 0.1, fresh: 0.05, resume: 0.2 }),
      update(2, "undo", "handoff", 0.12, { handoff: 0.1, fresh: 0.05 }),
      update(3, "edit", "handoff", 0.12, { handoff: 0.1, resume: 0.3 }),
      // Resumed, but done wrong: the oracle takes the handoff at 0.1 x 1.2.
      update(4, "rename", "resume", 0.08, { resume: 0.08, handoff: 0.1 }, false),
    ];
    const o = oracle([{ scenario: "s", updates }]);
    expect(o.correction["handoff"]).toEqual({ n: 3, ratio: expect.closeTo(1.2, 9) });
    // resume was taken once: fewer than MIN_OBSERVED, so the pooled median (1.2) applies.
    expect(o.correction["resume"]).toEqual({ n: 1, ratio: expect.closeTo(1.2, 9) });
    // 1: plain fresh at 0.05 x 1.2 for an ordinary edit; 2: fresh is not acceptable for an undo; 3: the handoff taken; 4: a handoff.
    expect(o.choices).toEqual({ fresh: 1, handoff: 3 });
    expect(o.oracleCostUsd).toBeCloseTo(0.06 + 0.12 + 0.12 + 0.12, 9);
    expect(o.policyCostUsd).toBeCloseTo(0.44, 9);
    expect(o.agreement).toBe(0.5);
    const summary = { policy: modeStatsOf(0.08, 0.9), resume: modeStatsOf(0.1, 0.95), fresh: modeStatsOf(0.09, 0.6), legacy: modeStatsOf(0.2, 0.6) };
    // legacy 0.4 ≤ 0.5; fresh 0.89 ≤ 1; oracle 1.05; quality −5 points vs resume, +30 vs fresh; wall 1.0 vs legacy; median 0.10 is not < 0.10; p90 0.2.
    expect(policyTargets(summary, "policy", 1.05, 0.1, 0.2).map((t) => t.met)).toEqual([true, true, true, false, true, false, false, true]);
    // Without the legacy mode its two targets are not judged.
    const { legacy: _legacy, ...withoutLegacy } = summary;
    expect(policyTargets(withoutLegacy, "policy", 1.05, 0.1, 0.2).map((t) => t.met)).toEqual([null, true, true, false, true, null, false, true]);
  });

  it("bootstrap: a seeded interval around the mean", () => {
    const groups = [[1, 2, 3, 4, 5], [10, 11, 12]];
    const ci = bootstrapMeanCi(groups, 7);
    expect(bootstrapMeanCi(groups, 7)).toEqual(ci);
    expect(ci?.[0]).toBeLessThan(48 / 8);
    expect(ci?.[1]).toBeGreaterThan(48 / 8);
    expect(bootstrapMeanCi([[], []], 7)).toBeNull();
  });

  it("calibration: fails past 0.5% and says which step", () => {
    const check = (relativeError: number, engineUsd: number, tableUsd: number): StepCheck =>
      ({ chain: "30-files-seed-1/resume", version: 4, step: "update", sessionId: "s", requests: 3, model: "claude-opus-5-5", engineUsd, tableUsd, relativeError });
    const good = calibration([check(0.001, 0.1, 0.1001), check(0, 0.2, 0.2)]);
    expect(good).toMatchObject({ ok: true, maxRelativeError: 0.001, steps: 2 });
    const bad = calibration([check(0.001, 0.1, 0.1001), check(0.25, 0.1, 0.125)]);
    expect(bad.ok).toBe(false);
    expect(calibrationMessage(bad)).toMatch(/differ by up to 25\.000%.*limit 0\.500%[\s\S]*30-files-seed-1\/resume version 4 update/);
    expect(calibration([]).ok).toBe(false);
  });
});
