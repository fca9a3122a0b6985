// The resume policy's paths through the real Claude Code engine and the model simulator, at
// the runner protocol: a handoff lets a new session act on a request that refers to earlier
// ones; a compacted session still can; the run's cache TTL reaches the engine; and the cost
// model the predictions rest on bills what Claude Code bills.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoggedEvent, RunEvent, TreeManifest } from "../../container/src/protocol.ts";
import type { ResultEvent, RunRequestInput } from "../../container/src/protocol.ts";
import { startRunner } from "../../container/src/server.ts";
import type { RunningRunner } from "../../container/src/server.ts";
import { findModel } from "../../src/models/table.ts";
import { usageFromApi } from "../../src/models/pricing.ts";
import { estimateStep } from "../../src/policy/cost-model.ts";
import { buildHandoff } from "../../src/policy/handoff.ts";
import { referenceApply } from "../../scripts/simulator/reference.ts";
import { startSimulator } from "../../scripts/simulator/server.ts";
import type { RequestLogEntry, Simulator } from "../../scripts/simulator/server.ts";

let sim: Simulator;
let runner: RunningRunner;
let dataDir: string;
let seq = 0;

beforeAll(async () => {
  sim = await startSimulator({ latencyScale: 0, seed: 11 });
  dataDir = await mkdtemp(path.join(tmpdir(), "policy-engine-"));
  runner = await startRunner({ dataDir, token: null, env: { ANTHROPIC_BASE_URL: sim.url, ANTHROPIC_API_KEY: "sim-key", RUNNER_ENGINE_MAX_RETRIES: "0", RUNNER_MAX_TURNS: "20" }, log: () => {} });
});

afterAll(async () => {
  await runner?.close();
  await sim?.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Ran {
  result: ResultEvent;
  /** The simulator's log of this run's model calls (the session-title request excluded). */
  calls: RequestLogEntry[];
}

async function run(body: Omit<RunRequestInput, "runId">): Promise<Ran> {
  const before = sim.requests().length;
  const runId = `policy-${++seq}`;
  const res = await fetch(`${runner.url}/v1/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ runId, ...body }) });
  expect(res.status).toBe(202);
  const text = await (await fetch(`${runner.url}/v1/runs/${runId}/events?after=0`)).text();
  const events = text.split("\n").filter((l) => l.trim() !== "").map((l) => RunEvent.parse(LoggedEvent.parse(JSON.parse(l))));
  const final = events.at(-1);
  if (final?.type !== "result") throw new Error(`expected a result, got ${JSON.stringify(final)}`);
  return { result: final, calls: sim.requests().slice(before).filter((r) => r.kind !== "other" && r.status === 200) };
}

async function file(workspaceId: string, filePath: string): Promise<string | null> {
  const tree = TreeManifest.parse(await (await fetch(`${runner.url}/v1/workspaces/${workspaceId}/tree`)).json());
  const entry = tree.files.find((f) => f.path === filePath);
  return entry === undefined ? null : (await fetch(`${runner.url}/v1/workspaces/${workspaceId}/blobs/${entry.sha256}`)).text();
}

const CREATE = "create notes.ts with export const title = 1;";
const APPEND = "append to notes.ts: export const alpha = 2;";

/** Version 1 creates notes.ts, version 2 appends to it (resumed), as the product would run them. */
async function twoVersions(workspaceId: string): Promise<string> {
  const v1 = await run({ workspaceId, operation: "build", prompt: CREATE, versionNumber: 1 });
  const v2 = await run({ workspaceId, operation: "update", prompt: APPEND, versionNumber: 2, resumeSessionId: v1.result.sessionId });
  expect(await file(workspaceId, "notes.ts")).toBe("export const title = 1;\nexport const alpha = 2;\n");
  return v2.result.sessionId;
}

describe("a handoff", () => {
  it("lets a new session undo an earlier version it never saw; without it the model changes nothing", async () => {
    const workspaceId = "policy-handoff";
    await twoVersions(workspaceId);
    const before = { "notes.ts": (await file(workspaceId, "notes.ts")) ?? "" };
    const bare = await run({ workspaceId, operation: "update", prompt: "undo version 2", versionNumber: 3, resumeSessionId: null });
    expect(bare.result.text).toContain("could not undo version 2: its request is not in this conversation");
    expect(await file(workspaceId, "notes.ts")).toBe(before["notes.ts"]);

    const handoff = buildHandoff({
      documentation: "# Project\n- notes.ts (2 lines): export const title = 1;",
      documentedVersion: 2,
      recommendations: [],
      requests: [
        { versionNumber: 1, prompt: CREATE, changedPaths: ["notes.ts"], outcome: "succeeded" },
        { versionNumber: 2, prompt: APPEND, changedPaths: ["notes.ts"], outcome: "succeeded" },
      ],
      budgetTokens: 4000,
    });
    const handed = await run({ workspaceId, operation: "update", prompt: "undo version 2", versionNumber: 4, resumeSessionId: null, handoff });
    const expected = referenceApply(before, "Request for version 4:\nundo version 2", [{ versionNumber: 1, prompt: CREATE }, { versionNumber: 2, prompt: APPEND }], { seed: 11 });
    expect(await file(workspaceId, "notes.ts")).toBe(expected["notes.ts"]);
    expect(expected["notes.ts"]).toBe("export const title = 1;\n");
    // The handoff opened the new session's first prompt (the log keeps its first 300 characters).
    expect(handed.calls[0]?.userPrompts.at(-1)).toMatch(/^This is a new session on an existing project\./);
    expect(handed.result.text).toContain("removed the added text from notes.ts");
    // The handoff is written to the prompt cache once: the first call writes it with the
    // request, every later call reads it back and writes only what the step added since.
    expect(handed.calls.length).toBeGreaterThan(1);
    const [first, ...later] = handed.calls.map(cacheUsage);
    for (const u of later) expect(u.cacheReadTokens).toBeGreaterThanOrEqual((first?.cacheReadTokens ?? 0) + (first?.cacheWriteTokens ?? 0));
    expectEachTokenWrittenOnce(handed.calls);
  });
});

function cacheUsage(call: RequestLogEntry): { cacheReadTokens: number; cacheWriteTokens: number } {
  if (call.usage === null) throw new Error(`call ${call.seq} has no usage`);
  const u = usageFromApi(call.usage);
  return { cacheReadTokens: u.cacheReadTokens, cacheWriteTokens: u.cacheWrite5mTokens + u.cacheWrite1hTokens };
}

/**
 * Within one step each call's prompt extends the previous one, so when no token is written
 * twice the writes of all calls plus what the first call read add up to the last call's
 * cached prompt.
 */
function expectEachTokenWrittenOnce(calls: RequestLogEntry[]): void {
  const usages = calls.map(cacheUsage);
  const written = usages.reduce((s, u) => s + u.cacheWriteTokens, 0);
  const last = usages.at(-1);
  expect(written + (usages[0]?.cacheReadTokens ?? 0)).toBe((last?.cacheReadTokens ?? 0) + (last?.cacheWriteTokens ?? 0));
}

describe("compaction, then resume", () => {
  it("the compacted session still knows what was added last time", async () => {
    const workspaceId = "policy-compact";
    const head = await twoVersions(workspaceId);
    const compact = await run({ workspaceId, operation: "compact", prompt: "/compact", resumeSessionId: head });
    expect(compact.calls.map((c) => c.kind)).toEqual(["compaction"]);
    await run({ workspaceId, operation: "update", prompt: "rename what you added last time to beta", versionNumber: 3, resumeSessionId: compact.result.sessionId });
    expect(await file(workspaceId, "notes.ts")).toBe("export const title = 1;\nexport const beta = 2;\n");
  });
});

describe("the run's cache TTL", () => {
  it("sets every cache breakpoint of the run, and the engine bills the writes at that TTL's price", async () => {
    const workspaceId = "policy-ttl";
    const v1 = await run({ workspaceId, operation: "build", prompt: CREATE, versionNumber: 1, cacheTtl: "1h" });
    expect(new Set(v1.calls.flatMap((c) => c.cacheTtls))).toEqual(new Set(["1h"]));
    const written1h = v1.calls.reduce((s, c) => s + (c.usage?.cache_creation?.ephemeral_1h_input_tokens ?? 0), 0);
    expect(written1h).toBeGreaterThan(0);
    const v2 = await run({ workspaceId, operation: "update", prompt: APPEND, versionNumber: 2, resumeSessionId: v1.result.sessionId, cacheTtl: "5m" });
    expect(new Set(v2.calls.flatMap((c) => c.cacheTtls))).toEqual(new Set(["5m"]));
    const v3 = await run({ workspaceId, operation: "update", prompt: "append to notes.ts: export const gamma = 3;", versionNumber: 3, resumeSessionId: v2.result.sessionId });
    expect(new Set(v3.calls.flatMap((c) => c.cacheTtls))).toEqual(new Set(["5m"]));
  });
});

describe("the cost model", () => {
  const opus = findModel("claude-opus-5-5");
  if (opus === null) throw new Error("model table lacks claude-opus-5-5");

  it("bills each step of a resumed chain as Claude Code does, given the step's calls, growth and output (within 1%)", async () => {
    const workspaceId = "policy-calibration";
    let head = (await run({ workspaceId, operation: "build", prompt: "scaffold 12 files under src", versionNumber: 1 })).result.sessionId;
    const steps: Ran[] = [];
    for (let v = 2; v <= 4; v++) {
      const upd = await run({ workspaceId, operation: "update", prompt: `append to src/module-0${v}.ts: export const note${v} = ${v};\nreplace in src/module-1${v - 2}.ts: label: string; => label: string; // v${v}`, versionNumber: v, resumeSessionId: head });
      const meta = await run({ workspaceId, operation: "metadata", prompt: "", resumeSessionId: upd.result.sessionId, cacheTtl: v === 4 ? "1h" : null });
      steps.push(upd, meta);
      head = meta.result.sessionId;
    }
    for (const step of steps) {
      const usages = step.calls.map((c) => {
        if (c.usage == null) throw new Error("a call without usage");
        return usageFromApi(c.usage);
      });
      const prompt = (u: (typeof usages)[number]): number => u.inputTokens + u.cacheReadTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens;
      const first = usages[0];
      const last = usages.at(-1);
      if (first === undefined || last === undefined) throw new Error("a step without calls");
      const estimate = estimateStep(opus.prices, {
        cached: first.cacheReadTokens,
        written: prompt(first) - first.cacheReadTokens,
        calls: usages.length,
        growth: prompt(last) - prompt(first),
        output: usages.reduce((s, u) => s + u.outputTokens, 0),
        ttl: step.calls.some((c) => c.cacheTtls.includes("1h")) ? "1h" : "5m",
        floorTokens: opus.minCacheableTokens,
      });
      expect(Math.abs(estimate.costUsd - step.result.costUsd) / step.result.costUsd).toBeLessThan(0.01);
    }
  });
});
