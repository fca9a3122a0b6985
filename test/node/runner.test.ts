// The runner end to end: the real Claude Code engine (Agent SDK) against the offline model
// simulator, through the runner's HTTP protocol (docs/runner-protocol.md).
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ErrorEnvelope, LoggedEvent, RunRequest, RunResponse, SessionInfoResponse, TreeManifest, WorkspaceResponse } from "../../container/src/protocol.ts";
import type { RunStatus } from "../../container/src/protocol.ts";
import { treeHash } from "../../container/src/fingerprint.ts";
import { appendEvent, createRunLog, runFiles } from "../../container/src/runs/log.ts";
import type { RunningRunner } from "../../container/src/server.ts";
import { startRunner } from "../../container/src/server.ts";
import { startGate } from "../support/gate.ts";
import { expectError, expectResult, follow, getTree, importFiles, manifestOf, post, putBlob, putTree, run, sha256, startTestRunner, ws } from "../support/runner-harness.ts";
import type { TestRunnerOptions } from "../support/runner-harness.ts";
import type { Gate } from "../support/gate.ts";
import { startSimulator } from "../../scripts/simulator/server.ts";
import { cacheFloors } from "../../src/models/table.ts";
import type { Simulator } from "../../scripts/simulator/server.ts";

let sim: Simulator;
let runner: RunningRunner;
/** A runner whose model calls pass a gate: closing it keeps its runs going until opened. */
let gate: Gate;
let gated: RunningRunner;
const tempDirs: string[] = [];

async function newRunner(options: TestRunnerOptions = {}): Promise<RunningRunner> {
  return startTestRunner({ modelUrl: sim.url, ...options }, tempDirs);
}

beforeAll(async () => {
  sim = await startSimulator({ latencyScale: 0, seed: 7 });
  runner = await newRunner();
  gate = await startGate(sim.url);
  gated = await newRunner({ modelUrl: gate.url });
});

afterAll(async () => {
  await runner?.close();
  await gated?.close();
  await gate?.stop();
  await sim?.close();
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await fetch(`${sim.url}/__sim/faults`, { method: "DELETE" });
});

async function runStatus(r: RunningRunner, runId: string): Promise<{ status: number; run: RunStatus | null }> {
  const res = await fetch(`${r.url}/v1/runs/${encodeURIComponent(runId)}`);
  return { status: res.status, run: res.status === 200 ? RunResponse.parse(await res.json()).run : null };
}

async function json(res: Response): Promise<unknown> {
  return res.json();
}

async function transcript(r: RunningRunner, workspaceId: string, sessionId: string): Promise<string> {
  const res = await fetch(`${r.url}/v1/workspaces/${workspaceId}/sessions/${sessionId}/transcript`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/x-ndjson");
  return res.text();
}

async function injectFault(fault: { status: number; count: number; match?: string }): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(fault) });
  expect(res.status).toBe(201);
}

function requestsOf(sessionId: string) {
  return sim.requests().filter((entry) => entry.sessionId === sessionId);
}


describe("session chain", () => {
  it("builds, then updates, documents and compacts by resuming forks of the previous session", async () => {
    const build = await expectResult(runner, { runId: "b1", workspaceId: "chain", operation: "build", prompt: "create app.txt with hello" });
    const a = build.result.sessionId;
    expect(build.events[0]).toEqual({ type: "started", runId: "b1", operation: "build", resumeSessionId: null });
    expect(build.events).toContainEqual({ type: "session", sessionId: a });
    expect(build.events).toContainEqual({ type: "tool_use", name: "Write", target: "app.txt" });
    expect(build.result).toMatchObject({ toolCalls: 1, metadata: null, fingerprint: { fileCount: 1, changes: null } });
    expect(build.result.fingerprint.files).toHaveProperty("app.txt");
    // With a 512-token cache floor the whole prompt is a cache write (nothing after the last breakpoint).
    const { inputTokens, cacheCreationInputTokens, cacheReadInputTokens } = build.result.usage;
    expect(inputTokens + cacheCreationInputTokens + cacheReadInputTokens).toBeGreaterThan(0);
    expect(build.result.contextTokens ?? 0).toBeGreaterThan(0);
    expect(build.result.costUsd).toBeGreaterThan(0);
    expect(requestsOf(a).length).toBeGreaterThan(0);
    const parentBefore = await transcript(runner, "chain", a);

    // update: forks by default, so the parent stays as it was and a new id comes back.
    const update = await expectResult(runner, { runId: "u1", workspaceId: "chain", operation: "update", prompt: "append to app.txt: world", resumeSessionId: a });
    const b = update.result.sessionId;
    expect(b).not.toBe(a);
    expect(update.events).toContainEqual({ type: "session", sessionId: b });
    expect(update.result.fingerprint.changes).toEqual({ added: [], removed: [], modified: ["app.txt"] });
    expect(await transcript(runner, "chain", a)).toBe(parentBefore);
    // The engine resumed: the update's requests carry the build's prompt as history.
    const updateRequests = requestsOf(b);
    expect(updateRequests.length).toBeGreaterThan(0);
    expect(updateRequests[0]?.userPrompts).toEqual(["create app.txt with hello", "append to app.txt: world"]);
    // A run's own cost excludes what the parent had already spent.
    expect(update.result.totalCostUsd).toBeCloseTo(build.result.totalCostUsd + update.result.costUsd, 8);

    const meta = await expectResult(runner, { runId: "m1", workspaceId: "chain", operation: "metadata", prompt: "keep it short", resumeSessionId: b });
    expect(meta.result.sessionId).not.toBe(b);
    expect(meta.result.metadata?.recommendations.length).toBeGreaterThan(0);
    expect(meta.result.metadata?.documentation).toContain("app.txt");
    expect(requestsOf(meta.result.sessionId)[0]?.userPrompts.at(-1)).toMatch(/^SESSION_CHAIN_METADATA_REQUEST\n/);
    expect(await transcript(runner, "chain", meta.result.sessionId)).toContain("keep it short");

    const compact = await expectResult(runner, { runId: "c1", workspaceId: "chain", operation: "compact", resumeSessionId: b });
    const c = compact.result.sessionId;
    expect(c).not.toBe(b);
    expect(requestsOf(c).map((entry) => entry.kind)).toContain("compaction");
    // Compaction tokens count although the engine's main-loop usage is zero for /compact.
    expect(compact.result.usage.inputTokens).toBeGreaterThan(0);

    // forkSession: false continues the same session id.
    const same = await expectResult(runner, {
      runId: "u2",
      workspaceId: "chain",
      operation: "update",
      prompt: "append to app.txt: again",
      resumeSessionId: c,
      forkSession: false,
    });
    expect(same.result.sessionId).toBe(c);
  });

  it("reports compact_failed with the unchanged session when compaction hits an API error", async () => {
    const build = await expectResult(runner, { runId: "b2", workspaceId: "compactfail", operation: "build", prompt: "create x.txt with x" });
    await injectFault({ status: 500, count: 5, match: "compaction" });
    const error = await expectError(runner, { runId: "c2", workspaceId: "compactfail", operation: "compact", resumeSessionId: build.result.sessionId });
    expect(error).toMatchObject({ code: "compact_failed", retryable: false, sessionId: build.result.sessionId });
  });
});

describe("prompt-cache prefix stability", () => {
  // What the runner hands the engine must not vary between runs of one project, or a warm
  // resume writes its whole history to the cache again. The second runner restarts on the
  // same disk on another calendar day (TZ 26 hours apart: the engine writes today's date
  // into the conversation) and asks for another TTL; the proxy's diagnostics must find no
  // prefix change and the history read from the cache.
  it("a warm resume after a runner restart, a day change and a TTL change misses nothing through a prefix change", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "runner-prefix-"));
    tempDirs.push(dataDir);
    const floors = cacheFloors();
    const first = await newRunner({ dataDir, env: { TZ: "Etc/GMT+12" } });
    const build = await expectResult(first, { runId: "pb", workspaceId: "prefix", operation: "build", prompt: "create app.txt with hello", cacheFloors: floors });
    await first.close();
    // A new session: the first call writes, every later one extends; nothing missed.
    expect(build.result.cache?.misses).toEqual([]);
    expect(build.result.cache?.readTokens).toBe(build.result.usage.cacheReadInputTokens);

    const second = await newRunner({ dataDir, env: { TZ: "Etc/GMT-14" } });
    try {
      const resumed = [];
      const update = await expectResult(second, { runId: "pu", workspaceId: "prefix", operation: "update", prompt: "append to app.txt: world", resumeSessionId: build.result.sessionId, cacheTtl: "1h", cacheFloors: floors });
      resumed.push(update.result);
      resumed.push((await expectResult(second, { runId: "pm", workspaceId: "prefix", operation: "metadata", resumeSessionId: update.result.sessionId, cacheFloors: floors })).result);
      resumed.push((await expectResult(second, { runId: "pu2", workspaceId: "prefix", operation: "update", prompt: "append to app.txt: again", resumeSessionId: update.result.sessionId, cacheFloors: floors })).result);
      for (const result of resumed) {
        expect(result.cache?.calls).toBeGreaterThan(0);
        expect(result.cache?.misses.filter((m) => m.cause === "prefix_changed")).toEqual([]);
        expect(result.cache?.misses.filter((m) => m.history)).toEqual([]);
        // The proxy's counts are the engine's.
        expect(result.cache?.readTokens).toBe(result.usage.cacheReadInputTokens);
      }
      // The build's whole conversation was read, not written again.
      const buildPrompt = build.result.usage.cacheReadInputTokens + build.result.usage.cacheCreationInputTokens;
      expect(update.result.cache?.readTokens).toBeGreaterThan(buildPrompt / 2);
    } finally {
      await second.close();
    }
  });
});

describe("errors", () => {
  it.each([429, 500, 529])("maps API status %i to overloaded (retryable)", async (status) => {
    await injectFault({ status, count: 5 });
    const error = await expectError(runner, { runId: `o${status}`, workspaceId: `flaky${status}`, operation: "build", prompt: "create y.txt with y" });
    expect(error.code).toBe("overloaded");
    expect(error.retryable).toBe(true);
    expect(error.message).not.toMatch(/\n|\bat .*\.ts:\d+/);
  });

  it("maps an unknown session to session_not_found", async () => {
    const error = await expectError(runner, {
      runId: "nf",
      workspaceId: "missing",
      operation: "update",
      prompt: "append to a.txt: x",
      resumeSessionId: "0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b",
    });
    expect(error).toMatchObject({ code: "session_not_found", retryable: false, sessionId: null });
  });

  it("refuses unusable transcripts with transcript_invalid before the engine runs", async () => {
    const dir = path.join(runner.config.dataDir, "projects", "corrupt", "claude", "projects", "somewhere");
    await mkdir(dir, { recursive: true });
    const ids = {
      garbage: "c0c0c0c0-0000-4000-8000-000000000001",
      foreign: "c0c0c0c0-0000-4000-8000-000000000002",
      empty: "c0c0c0c0-0000-4000-8000-000000000003",
    };
    await writeFile(path.join(dir, `${ids.garbage}.jsonl`), "this is not json\n{also not\n");
    await writeFile(path.join(dir, `${ids.foreign}.jsonl`), `${JSON.stringify({ type: "user", sessionId: "c0c0c0c0-0000-4000-8000-0000000000ff" })}\n`);
    // Valid JSON of this session but no conversation: the engine itself would refuse it.
    await writeFile(path.join(dir, `${ids.empty}.jsonl`), `${JSON.stringify({ type: "queue-operation", operation: "enqueue", sessionId: ids.empty })}\n`);
    for (const [name, id] of Object.entries(ids)) {
      const error = await expectError(runner, { runId: `sc-${name}`, workspaceId: "corrupt", operation: "update", prompt: "append to a.txt: x", resumeSessionId: id });
      expect(error, name).toMatchObject({ code: "transcript_invalid", retryable: false });
    }
  });

  it("rejects bad requests with 400 before streaming", async () => {
    const bad: unknown[] = [
      { runId: "x", workspaceId: "p", operation: "compact" },
      { runId: "x", workspaceId: "p", operation: "metadata", resumeSessionId: null },
      { runId: "x", workspaceId: "p", operation: "build", prompt: "" },
      { runId: "x", workspaceId: "../etc", operation: "build", prompt: "hi" },
      { runId: "x", workspaceId: "p", operation: "deploy", prompt: "hi" },
      { runId: "x", workspaceId: "p", operation: "update", prompt: "hi", resumeSessionId: "not-a-uuid" },
    ];
    for (const body of bad) {
      const res = await post(runner, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(ErrorEnvelope.parse(await json(res)).error.code).toBe("bad_request");
    }
    const notJson = await fetch(`${runner.url}/v1/runs`, { method: "POST", body: "{" });
    expect(notJson.status).toBe(400);
  });

  it("allows one run per workspace at a time (409 busy); tree reads and imports wait for it too", async () => {
    gate.close();
    try {
      expect((await post(gated, { runId: "busy1", workspaceId: "busy", operation: "build", prompt: "create a.txt with a" })).status).toBe(202);
      const second = await post(gated, { runId: "busy2", workspaceId: "busy", operation: "build", prompt: "create b.txt with b" });
      expect(second.status).toBe(409);
      expect(ErrorEnvelope.parse(await json(second)).error.code).toBe("busy");
      expect((await putTree(gated, "busy", manifestOf({}))).status).toBe(409);
      expect((await fetch(ws(gated, "busy", "/tree"))).status).toBe(409);
    } finally {
      gate.open();
    }
    const done = await follow(gated, "busy1");
    expect(done.at(-1)?.type).toBe("result");
    // Free again afterwards.
    expect((await putTree(gated, "busy", manifestOf({}))).status).toBe(200);
  });
});

describe("run lifecycle", () => {
  it("a run is detached from the request that started it: a caller that goes away follows it again from its last event", async () => {
    gate.close();
    const started = await post(gated, { runId: "detached-1", workspaceId: "detached", operation: "build", prompt: "create d.txt with d" });
    expect(started.status).toBe(202);
    expect(RunResponse.parse(await json(started)).run).toMatchObject({ runId: "detached-1", state: "running", final: null });
    // Read the first event, then drop the connection, as a dying alarm invocation would.
    const controller = new AbortController();
    const res = await fetch(`${gated.url}/v1/runs/detached-1/events?after=0`, { signal: controller.signal });
    const reader = res.body?.getReader();
    const first = await reader?.read();
    expect(LoggedEvent.parse(JSON.parse(new TextDecoder().decode(first?.value).split("\n")[0] ?? "")).seq).toBe(1);
    controller.abort();
    gate.open();
    // The run went on without anyone listening, and its log has everything after event 1.
    const rest = await follow(gated, "detached-1", 1);
    expect(rest[0]?.seq).toBe(2);
    expect(rest.at(-1)?.type).toBe("result");
    const { run: status } = await runStatus(gated, "detached-1");
    expect(status).toMatchObject({ state: "finished", lastSeq: rest.at(-1)?.seq, final: { type: "result" } });
    // Past the final event, the stream is empty and ends.
    expect(await follow(gated, "detached-1", status?.lastSeq ?? 0)).toEqual([]);
  });

  it("a second start of a run id returns the run instead of starting it again; another request under that id is a conflict", async () => {
    const body = { runId: "idem-1", workspaceId: "idem", operation: "build" as const, prompt: "create i.txt with i" };
    const [a, b] = await Promise.all([post(runner, body), post(runner, body)]);
    expect([a.status, b.status].sort()).toEqual([200, 202]);
    const events = await follow(runner, "idem-1");
    expect(events.filter((e) => e.type === "started")).toHaveLength(1);
    const again = await post(runner, body);
    expect(again.status).toBe(200);
    expect(RunResponse.parse(await json(again)).run).toMatchObject({ state: "finished", final: { type: "result" } });
    // The engine ran once: one session was made in this workspace.
    const sessionId = events.find((e) => e.type === "session");
    expect(sessionId).toBeDefined();
    expect(events.filter((e) => e.type === "session")).toHaveLength(1);
    const conflict = await post(runner, { ...body, prompt: "something else" });
    expect(conflict.status).toBe(409);
    expect(ErrorEnvelope.parse(await json(conflict)).error.code).toBe("conflict");
    const unknown = await runStatus(runner, "never-started");
    expect(unknown.status).toBe(404);
  });

  it("DELETE cancels a live run: it ends with a retryable error and frees the workspace", async () => {
    gate.close();
    try {
      expect((await post(gated, { runId: "cancel-1", workspaceId: "cancel", operation: "build", prompt: "create c.txt with c" })).status).toBe(202);
      const cancelled = await fetch(`${gated.url}/v1/runs/cancel-1`, { method: "DELETE" });
      expect(cancelled.status).toBe(200);
      const events = await follow(gated, "cancel-1");
      expect(events.at(-1), JSON.stringify(events.at(-1))).toMatchObject({ type: "error", retryable: true });
    } finally {
      gate.open();
    }
    expect((await putTree(gated, "cancel", manifestOf({}))).status).toBe(200);
  });

  it("runs cut off by a runner stop are reported lost after the restart, and never started again", async () => {
    const sim2Gate = await startGate(sim.url);
    const dataDir = await mkdtemp(path.join(tmpdir(), "runner-test-"));
    tempDirs.push(dataDir);
    const env = { ANTHROPIC_BASE_URL: sim2Gate.url, ANTHROPIC_API_KEY: "sim-key", RUNNER_ENGINE_MAX_RETRIES: "0", RUNNER_MAX_TURNS: "12" };
    const first = await startRunner({ dataDir, token: null, env, log: () => {} });
    sim2Gate.close();
    const body = { runId: "lost-1", workspaceId: "lost", operation: "build" as const, prompt: "create l.txt with l" };
    expect((await post(first, body)).status).toBe(202);
    await first.close(); // the process stops while the run is in progress
    // A run a hard-killed process left without a final event is found at the next start too.
    const killed = runFiles(dataDir, "killed-1");
    await createRunLog(killed, RunRequest.parse({ runId: "killed-1", workspaceId: "lost", operation: "build", prompt: "x" }));
    await appendEvent(killed, { seq: 1, type: "started", runId: "killed-1", operation: "build", resumeSessionId: null });
    const second = await startRunner({ dataDir, token: null, env, log: () => {} });
    sim2Gate.open();
    try {
      for (const runId of ["lost-1", "killed-1"]) {
        const { run: status } = await runStatus(second, runId);
        expect(status, runId).toMatchObject({ state: "finished", final: { type: "error", code: "run_lost", retryable: true } });
      }
      const requestsBefore = sim2Gate.arrived();
      const again = await post(second, body);
      expect(again.status).toBe(200);
      expect(RunResponse.parse(await json(again)).run.final).toMatchObject({ code: "run_lost" });
      expect(sim2Gate.arrived()).toBe(requestsBefore);
      // The workspace is free for a new run (the DO re-runs the step under a new id).
      const rerun = await run(second, { ...body, runId: "lost-2" });
      expect(rerun.final?.type).toBe("result");
    } finally {
      await second.close();
      await sim2Gate.stop();
    }
    // Finished runs' logs go once they are older than RUNNER_RUN_RETENTION_HOURS.
    const third = await startRunner({ dataDir, token: null, env: { ...env, RUNNER_RUN_RETENTION_HOURS: "0" }, log: () => {} });
    try {
      for (const runId of ["lost-1", "killed-1", "lost-2"]) expect((await runStatus(third, runId)).status, runId).toBe(404);
    } finally {
      await third.close();
    }
  });
});

describe("workspace trees and transcripts", () => {
  it("imports exactly a manifest's tree from uploaded blobs, refusing bad paths, wrong content and wrong hashes", async () => {
    const empty = WorkspaceResponse.parse(await json(await fetch(ws(runner, "snap"))));
    expect(empty.fingerprint).toMatchObject({ fileCount: 0, changes: null, files: {} });

    for (const p of ["../escape.txt", "/etc/passwd", "a/../../b", "dir\\..\\x", ".git/config"]) {
      const res = await putTree(runner, "snap", { treeHash: sha256(""), files: [{ path: p, sha256: sha256("x"), size: 1 }] });
      expect(res.status, p).toBe(400);
    }
    // A blob must be what its name says.
    const wrong = await putBlob(runner, "snap", "some content", sha256("other content"));
    expect(wrong.status).toBe(400);
    // Blobs the runner does not have, and a tree hash that does not match the files, are refused.
    const files = { "notes.md": "remember this\n", "src/a.ts": "export {}\n" };
    const missing = await putTree(runner, "snap", manifestOf(files));
    expect(missing.status).toBe(422);
    expect(ErrorEnvelope.parse(await json(missing)).error.code).toBe("blob_not_found");
    for (const text of Object.values(files)) expect((await putBlob(runner, "snap", text)).status).toBe(204);
    const lying = await putTree(runner, "snap", { ...manifestOf(files), treeHash: sha256("not this tree") });
    expect(lying.status).toBe(422);
    expect(ErrorEnvelope.parse(await json(lying)).error.code).toBe("tree_mismatch");
    // The workspace is untouched by the refused imports.
    expect(WorkspaceResponse.parse(await json(await fetch(ws(runner, "snap")))).fingerprint.fileCount).toBe(0);

    const missingList = await fetch(ws(runner, "snap", "/blobs/missing"), { method: "POST", body: JSON.stringify({ sha256: [sha256("remember this\n"), sha256("nope")] }) });
    expect(await json(missingList)).toEqual({ missing: [sha256("nope")] });
    const put = await putTree(runner, "snap", manifestOf(files));
    expect(put.status).toBe(200);
    const imported = WorkspaceResponse.parse(await json(put)).fingerprint;
    expect(imported).toMatchObject({ fileCount: 2, treeHash: manifestOf(files).treeHash });

    const got = await getTree(runner, "snap");
    expect(got).toEqual(manifestOf(files));
    const blob = await fetch(ws(runner, "snap", `/blobs/${sha256("remember this\n")}`));
    expect(blob.headers.get("content-length")).toBe(String(Buffer.byteLength("remember this\n")));
    expect(await blob.text()).toBe("remember this\n");

    // A new session in an imported workspace reads the file with the Read tool.
    const build = await expectResult(runner, { runId: "r1", workspaceId: "snap", operation: "build", prompt: "read notes.md" });
    expect(build.events).toContainEqual({ type: "tool_use", name: "Read", target: "notes.md" });
    expect(build.result.filesRead).toBe(1);
    expect(build.result.fingerprint.changes).toEqual({ added: [], removed: [], modified: [] });
    expect(build.result.fingerprint.treeHash).toBe(imported.treeHash);
  });

  it("moves a 50 MB workspace between two runners blob by blob, streamed, to the same tree", async () => {
    const from = await newRunner();
    const to = await newRunner();
    try {
      const dir = path.join(from.config.dataDir, "projects", "big", "workspace", "data");
      await mkdir(dir, { recursive: true });
      for (let i = 0; i < 50; i++) await writeFile(path.join(dir, `${i}.bin`), Buffer.alloc(1024 * 1024, `block ${i} `));
      const manifest = await getTree(from, "big");
      expect(manifest.files.reduce((n, f) => n + f.size, 0)).toBe(50 * 1024 * 1024);
      const missing = (await json(await fetch(ws(to, "big", "/blobs/missing"), { method: "POST", body: JSON.stringify({ sha256: manifest.files.map((f) => f.sha256) }) }))) as { missing: string[] };
      expect(missing.missing).toHaveLength(50);
      for (const sha of missing.missing) {
        const source = await fetch(ws(from, "big", `/blobs/${sha}`));
        const sink = await fetch(ws(to, "big", `/blobs/${sha}`), { method: "PUT", body: source.body, headers: { "content-length": source.headers.get("content-length") ?? "" }, duplex: "half" } as RequestInit);
        expect(sink.status).toBe(204);
      }
      const imported = await putTree(to, "big", manifest);
      expect(imported.status).toBe(200);
      expect(WorkspaceResponse.parse(await json(imported)).fingerprint.treeHash).toBe(manifest.treeHash);
      expect(await getTree(to, "big")).toEqual(manifest);
    } finally {
      await from.close();
      await to.close();
    }
  });

  it("rehydrates a wiped runner from an exported transcript and tree, and resumes", async () => {
    // Its own runner, so the data dir can be wiped as a recycled container's disk is.
    const first = await newRunner();
    const dataDir = first.config.dataDir;
    let s: string;
    let jsonl: string;
    let manifest: TreeManifest;
    const blobs = new Map<string, Buffer>();
    try {
      const build = await expectResult(first, { runId: "h1", workspaceId: "rehydrate", operation: "build", prompt: "create story.md with chapter one" });
      s = build.result.sessionId;
      jsonl = await transcript(first, "rehydrate", s);
      manifest = await getTree(first, "rehydrate");
      expect(manifest.treeHash).toBe(build.result.fingerprint.treeHash);
      for (const file of manifest.files) blobs.set(file.sha256, Buffer.from(await (await fetch(ws(first, "rehydrate", `/blobs/${file.sha256}`))).arrayBuffer()));
      // Transcripts are per workspace: another one never sees this one.
      expect((await fetch(ws(first, "other", `/sessions/${s}`))).status).toBe(404);
      expect((await fetch(ws(first, "other", `/sessions/${s}/transcript`))).status).toBe(404);
    } finally {
      await first.close();
    }
    await rm(dataDir, { recursive: true, force: true });

    const fresh = await newRunner({ dataDir });
    try {
      const missing = await fetch(ws(fresh, "rehydrate", `/sessions/${s}`));
      expect(missing.status).toBe(404);
      expect(ErrorEnvelope.parse(await json(missing)).error.code).toBe("session_not_found");
      // The run log went with the disk: the DO treats an unknown run as lost.
      expect((await runStatus(fresh, "h1")).status).toBe(404);

      // Uploads are validated: unparseable lines or lines of another session are refused.
      const badLines = await fetch(ws(fresh, "rehydrate", `/sessions/${s}/transcript`), { method: "PUT", body: `${jsonl}not json\n` });
      expect(badLines.status).toBe(400);
      const other = "0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a";
      const wrongId = await fetch(ws(fresh, "rehydrate", `/sessions/${other}/transcript`), { method: "PUT", body: jsonl });
      expect(wrongId.status).toBe(400);

      const putTranscript = await fetch(ws(fresh, "rehydrate", `/sessions/${s}/transcript`), { method: "PUT", body: jsonl });
      expect(putTranscript.status).toBe(204);
      for (const [sha, content] of blobs) expect((await putBlob(fresh, "rehydrate", content, sha)).status).toBe(204);
      expect((await putTree(fresh, "rehydrate", manifest)).status).toBe(200);
      const info = SessionInfoResponse.parse(await json(await fetch(ws(fresh, "rehydrate", `/sessions/${s}`))));
      expect(info).toEqual({ sessionId: s, transcriptBytes: Buffer.byteLength(jsonl) });

      const update = await expectResult(fresh, { runId: "h2", workspaceId: "rehydrate", operation: "update", prompt: "append to story.md: chapter two", resumeSessionId: s });
      expect(update.result.sessionId).not.toBe(s);
      expect(update.result.fingerprint.changes).toEqual({ added: [], removed: [], modified: ["story.md"] });
      // Resumed, not restarted: the request carries the build turn as history.
      expect(requestsOf(update.result.sessionId)[0]?.userPrompts).toEqual(["create story.md with chapter one", "append to story.md: chapter two"]);
      const after = await getTree(fresh, "rehydrate");
      const story = after.files.find((f) => f.path === "story.md");
      expect(story?.sha256).toBe(sha256("chapter one\nchapter two\n"));
    } finally {
      await fresh.close();
    }
  });

  it("requires the bearer token when one is configured", async () => {
    const guarded = await newRunner({ token: "s3cret" });
    try {
      expect((await fetch(`${guarded.url}/healthz`)).status).toBe(200);
      const denied = await fetch(ws(guarded, "p"));
      expect(denied.status).toBe(401);
      expect(ErrorEnvelope.parse(await json(denied)).error.code).toBe("unauthorized");
      expect((await fetch(ws(guarded, "p"), { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
      const ok = await fetch(ws(guarded, "p"), { headers: { authorization: "Bearer s3cret" } });
      expect(ok.status).toBe(200);
      const health = (await json(await fetch(`${guarded.url}/healthz`))) as { ok: boolean; engine: string };
      expect(health).toEqual({ ok: true, engine: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    } finally {
      await guarded.close();
    }
  });
});
