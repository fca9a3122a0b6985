// The benchmark (npm run bench) in its tiny configuration, through the CLI: the whole stack
// twice (resume on, resume off) and the edge-layer load part. Structure only: speed
// targets live in the benchmark's own report, never in a test.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BenchResults, ModeResult } from "../../bench/types.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let dir = "";
let results: BenchResults;
let stdout = "";

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

function mode(name: "resume" | "fresh"): ModeResult {
  const m = results.modes[name];
  if (m === undefined) throw new Error(`mode ${name} missing`);
  return m;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bench-test-"));
  const out = join(dir, "results.json");
  const done = await run(["--tiny", "--out", out]);
  if (done.code !== 0) throw new Error(`bench exited ${done.code}\n${done.stderr}`);
  stdout = done.stdout;
  results = JSON.parse(await readFile(out, "utf8")) as BenchResults;
}, 170_000);

afterAll(async () => {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

describe("npm run bench -- --tiny", () => {
  it("runs the same workload with resume on and off", () => {
    expect(results.config).toMatchObject({ files: 10, updates: 2, projects: 2, rounds: 1, polls: 2, latencyScale: 0, seed: 1 });
    const resume = mode("resume");
    const fresh = mode("fresh");
    expect(resume.vars["SESSION_RESUME_ENABLED"]).toBe("true");
    expect(fresh.vars["SESSION_RESUME_ENABLED"]).toBe("false");
    for (const m of [resume, fresh]) {
      expect(m.updates.map((u) => u.status)).toEqual(["succeeded", "succeeded"]);
      expect(m.create.costUsd).toBeGreaterThan(0);
    }
    expect(resume.updates.map((u) => u.files)).toEqual(fresh.updates.map((u) => u.files));
    expect(resume.updates.map((u) => u.decision)).toEqual(["resume", "resume"]);
    expect(fresh.updates.map((u) => u.decision)).toEqual(["fresh", "fresh"]);
    expect(fresh.updates[0]?.reason).toMatch(/^flag_off/);
  });

  it("resumed updates read the earlier conversation from the prompt cache", () => {
    for (const u of mode("resume").updates) {
      expect(u.tokens.cacheRead).toBeGreaterThan(0);
      expect(u.steps.map((s) => s.operation)).toEqual(["update", "metadata"]);
      // Every step started from the session before it (a fork: a new id each time).
      for (const s of u.steps) expect(s.sessionIdIn).not.toBeNull();
    }
    for (const u of mode("fresh").updates) expect(u.steps[0]?.sessionIdIn).toBeNull();
    // A fresh session has to read the files it edits; a resumed one knows them.
    expect(mode("fresh").summary.filesReadPerUpdate ?? 0).toBeGreaterThan(mode("resume").summary.filesReadPerUpdate ?? 0);
  });

  it("records per-update usage, cost, time, tool calls and Postgres round trips", () => {
    for (const m of [mode("resume"), mode("fresh")]) {
      for (const u of m.updates) {
        expect(u.costUsd).toBeGreaterThan(0);
        expect(u.simulatorCostUsd).toBeGreaterThan(0);
        expect(u.wallMs).toBeGreaterThan(0);
        expect(u.modelRequests).toBeGreaterThan(0);
        expect(u.projectedWallMs).toBeGreaterThanOrEqual(u.wallMs);
        expect(u.toolCalls).toBeGreaterThan(0);
        expect(u.postgres.queries).toBeGreaterThan(0);
        // Cleartext password auth on loopback: a startup and a password message per connection.
        expect(u.postgres.handshakes).toBe(2 * u.postgres.connections);
      }
      const s = m.summary;
      expect(s.succeeded).toBe(2);
      expect(s.wallMs.p50).not.toBeNull();
      expect(s.costUsd.total).toBeCloseTo(m.updates.reduce((a, u) => a + u.costUsd, 0), 6);
    }
    expect(mode("resume").summary.resumeSuccessRate).toBe(1);
    // With resume off only the metadata steps resume (the update's own new session).
    expect(mode("fresh").summary.resumeSuccessRate).toBe(1);
    expect(mode("fresh").metrics.resume.attempts["skipped"]).toBe(3); // no_session + flag_off twice
    expect(mode("fresh").metrics.resume.fallbacks).toEqual([{ key: "flag_off", count: 2 }]);
    expect(mode("resume").metrics.updates.resumed.count).toBe(2);
    expect(mode("fresh").metrics.updates.fresh.count).toBe(2);
  });

  it("compares the modes against the product targets and states its assumptions", () => {
    expect(results.comparison?.targets.map((t) => t.target)).toEqual(["30-50% lower", "40-60% faster", "40-60% faster", "> 95%"]);
    for (const m of [mode("resume"), mode("fresh")]) expect(Object.keys(m.summary.byStep)).toEqual(["update", "metadata"]);
    expect(results.comparison?.costReduction).toEqual(expect.any(Number));
    expect(results.assumptions.join("\n")).toMatch(/simulator/);
    expect(results.environment["model"]).toEqual(expect.any(String));
    expect(stdout).toContain("| per update");
    expect(stdout).toContain("Assumptions:");
  });

  it("measures the edge layer against the runner directly", () => {
    const edge = results.edge;
    expect(edge).not.toBeNull();
    if (edge === null) return;
    expect(edge.ack.edge.n).toBe(2);
    expect(edge.ack.runner.n).toBe(2);
    expect(edge.jobRead.edge.n).toBe(4);
    expect(edge.ack.ratioP50).toBeGreaterThan(0);
    expect(edge.jobRead.ratioP99).toBeGreaterThan(0);
    expect(edge.jobs).toEqual({ succeeded: 2, failed: 0 });
    expect(edge.postgresPerUpdate.queries).toBeGreaterThan(0);
    expect(edge.idle.ack.edge.n).toBe(4);
    expect(edge.idle.jobRead.runner.n).toBe(4);
    expect(stdout).toContain("Edge layer under load");
  });
});
