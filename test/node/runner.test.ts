// The runner end to end: the real Claude Code engine (Agent SDK) against the offline model
// simulator, through the runner's HTTP protocol (docs/runner-protocol.md).
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ErrorEnvelope, RunEvent, SessionInfoResponse, SnapshotResponse, WorkspaceResponse } from "../../container/src/protocol.ts";
import type { ErrorEvent, ResultEvent, RunRequestInput } from "../../container/src/protocol.ts";
import { startRunner } from "../../container/src/server.ts";
import type { RunningRunner } from "../../container/src/server.ts";
import { startSimulator } from "../../scripts/simulator/server.ts";
import type { Simulator } from "../../scripts/simulator/server.ts";

let sim: Simulator;
let runner: RunningRunner;
const tempDirs: string[] = [];

async function newRunner(options: { token?: string; dataDir?: string } = {}): Promise<RunningRunner> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), "runner-test-")));
  tempDirs.push(dataDir);
  return startRunner({
    dataDir,
    token: options.token ?? null,
    // Engine retries off: a fault must surface as the run's error, at once.
    env: { ANTHROPIC_BASE_URL: sim.url, ANTHROPIC_API_KEY: "sim-key", RUNNER_ENGINE_MAX_RETRIES: "0", RUNNER_MAX_TURNS: "12" },
    log: () => {},
  });
}

beforeAll(async () => {
  sim = await startSimulator({ latencyScale: 0, seed: 7 });
  runner = await newRunner();
});

afterAll(async () => {
  await runner?.close();
  await sim?.close();
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await fetch(`${sim.url}/__sim/faults`, { method: "DELETE" });
});

interface RunResponse {
  status: number;
  events: RunEvent[];
  final: RunEvent | undefined;
}

async function post(r: RunningRunner, body: unknown): Promise<Response> {
  return fetch(`${r.url}/v1/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

async function readEvents(res: Response): Promise<RunResponse> {
  const text = await res.text();
  const events = text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => RunEvent.parse(JSON.parse(line)));
  return { status: res.status, events, final: events.at(-1) };
}

async function run(r: RunningRunner, body: RunRequestInput): Promise<RunResponse> {
  return readEvents(await post(r, body));
}

async function expectResult(r: RunningRunner, body: RunRequestInput): Promise<{ result: ResultEvent; events: RunEvent[] }> {
  const { status, events, final } = await run(r, body);
  expect(status).toBe(200);
  if (final?.type !== "result") throw new Error(`expected a result, got ${JSON.stringify(final)}`);
  expect(events.filter((e) => e.type === "result" || e.type === "error")).toHaveLength(1);
  return { result: final, events };
}

async function expectError(r: RunningRunner, body: RunRequestInput): Promise<ErrorEvent> {
  const { status, final } = await run(r, body);
  expect(status).toBe(200);
  if (final?.type !== "error") throw new Error(`expected an error, got ${JSON.stringify(final)}`);
  return final;
}

async function json(res: Response): Promise<unknown> {
  return res.json();
}

async function transcript(r: RunningRunner, projectId: string, sessionId: string): Promise<string> {
  const res = await fetch(`${r.url}/v1/projects/${projectId}/sessions/${sessionId}/transcript`);
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

const b64 = (text: string) => Buffer.from(text).toString("base64");

describe("session chain", () => {
  it("builds, then updates, documents and compacts by resuming forks of the previous session", async () => {
    const build = await expectResult(runner, { runId: "b1", projectId: "chain", operation: "build", prompt: "create app.txt with hello" });
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
    const update = await expectResult(runner, { runId: "u1", projectId: "chain", operation: "update", prompt: "append to app.txt: world", resumeSessionId: a });
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

    const meta = await expectResult(runner, { runId: "m1", projectId: "chain", operation: "metadata", prompt: "keep it short", resumeSessionId: b });
    expect(meta.result.sessionId).not.toBe(b);
    expect(meta.result.metadata?.recommendations.length).toBeGreaterThan(0);
    expect(meta.result.metadata?.documentation).toContain("app.txt");
    expect(requestsOf(meta.result.sessionId)[0]?.userPrompts.at(-1)).toMatch(/^SESSION_CHAIN_METADATA_REQUEST\n/);
    expect(await transcript(runner, "chain", meta.result.sessionId)).toContain("keep it short");

    const compact = await expectResult(runner, { runId: "c1", projectId: "chain", operation: "compact", resumeSessionId: b });
    const c = compact.result.sessionId;
    expect(c).not.toBe(b);
    expect(requestsOf(c).map((entry) => entry.kind)).toContain("compaction");
    // Compaction tokens count although the engine's main-loop usage is zero for /compact.
    expect(compact.result.usage.inputTokens).toBeGreaterThan(0);

    // forkSession: false continues the same session id.
    const same = await expectResult(runner, {
      runId: "u2",
      projectId: "chain",
      operation: "update",
      prompt: "append to app.txt: again",
      resumeSessionId: c,
      forkSession: false,
    });
    expect(same.result.sessionId).toBe(c);
  });

  it("reports compact_failed with the unchanged session when compaction hits an API error", async () => {
    const build = await expectResult(runner, { runId: "b2", projectId: "compactfail", operation: "build", prompt: "create x.txt with x" });
    await injectFault({ status: 500, count: 5, match: "compaction" });
    const error = await expectError(runner, { runId: "c2", projectId: "compactfail", operation: "compact", resumeSessionId: build.result.sessionId });
    expect(error).toMatchObject({ code: "compact_failed", retryable: false, sessionId: build.result.sessionId });
  });
});

describe("errors", () => {
  it.each([429, 500, 529])("maps API status %i to overloaded (retryable)", async (status) => {
    await injectFault({ status, count: 5 });
    const error = await expectError(runner, { runId: `o${status}`, projectId: `flaky${status}`, operation: "build", prompt: "create y.txt with y" });
    expect(error.code).toBe("overloaded");
    expect(error.retryable).toBe(true);
    expect(error.message).not.toMatch(/\n|\bat .*\.ts:\d+/);
  });

  it("maps an unknown session to session_not_found", async () => {
    const error = await expectError(runner, {
      runId: "nf",
      projectId: "missing",
      operation: "update",
      prompt: "append to a.txt: x",
      resumeSessionId: "0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b",
    });
    expect(error).toMatchObject({ code: "session_not_found", retryable: false, sessionId: null });
  });

  it("maps unusable transcripts to session_corrupted", async () => {
    const dir = path.join(runner.config.dataDir, "projects", "corrupt", "claude", "projects", "somewhere");
    await mkdir(dir, { recursive: true });
    const ids = {
      garbage: "c0c0c0c0-0000-4000-8000-000000000001",
      foreign: "c0c0c0c0-0000-4000-8000-000000000002",
      empty: "c0c0c0c0-0000-4000-8000-000000000003",
    };
    await writeFile(path.join(dir, `${ids.garbage}.jsonl`), "this is not json\n{also not\n");
    await writeFile(path.join(dir, `${ids.foreign}.jsonl`), `${JSON.stringify({ type: "user", sessionId: "c0c0c0c0-0000-4000-8000-0000000000ff" })}\n`);
    // Valid JSON of this session but no conversation: the engine itself refuses it.
    await writeFile(path.join(dir, `${ids.empty}.jsonl`), `${JSON.stringify({ type: "queue-operation", operation: "enqueue", sessionId: ids.empty })}\n`);
    for (const [name, id] of Object.entries(ids)) {
      const error = await expectError(runner, { runId: `sc-${name}`, projectId: "corrupt", operation: "update", prompt: "append to a.txt: x", resumeSessionId: id });
      expect(error, name).toMatchObject({ code: "session_corrupted", retryable: false });
    }
  });

  it("rejects bad requests with 400 before streaming", async () => {
    const bad: unknown[] = [
      { runId: "x", projectId: "p", operation: "compact" },
      { runId: "x", projectId: "p", operation: "metadata", resumeSessionId: null },
      { runId: "x", projectId: "p", operation: "build", prompt: "" },
      { runId: "x", projectId: "../etc", operation: "build", prompt: "hi" },
      { runId: "x", projectId: "p", operation: "deploy", prompt: "hi" },
      { runId: "x", projectId: "p", operation: "update", prompt: "hi", resumeSessionId: "not-a-uuid" },
    ];
    for (const body of bad) {
      const res = await post(runner, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(ErrorEnvelope.parse(await json(res)).error.code).toBe("bad_request");
    }
    const notJson = await fetch(`${runner.url}/v1/runs`, { method: "POST", body: "{" });
    expect(notJson.status).toBe(400);
  });

  it("allows one run per project at a time (409 busy)", async () => {
    const first = await post(runner, { runId: "busy1", projectId: "busy", operation: "build", prompt: "create a.txt with a" });
    // Headers arrive once the run holds the project's lock.
    expect(first.status).toBe(200);
    const second = await post(runner, { runId: "busy2", projectId: "busy", operation: "build", prompt: "create b.txt with b" });
    expect(second.status).toBe(409);
    expect(ErrorEnvelope.parse(await json(second)).error.code).toBe("busy");
    const snapshot = await fetch(`${runner.url}/v1/projects/busy/workspace/snapshot`, { method: "PUT", body: JSON.stringify({ files: [] }) });
    expect(snapshot.status).toBe(409);
    const done = await readEvents(first);
    expect(done.final?.type).toBe("result");
    // Free again afterwards.
    const ws = await fetch(`${runner.url}/v1/projects/busy/workspace/snapshot`, { method: "PUT", body: JSON.stringify({ files: [] }) });
    expect(ws.status).toBe(200);
  });
});

describe("workspace and transcripts", () => {
  it("imports and exports snapshots, refusing paths outside the workspace", async () => {
    const empty = WorkspaceResponse.parse(await json(await fetch(`${runner.url}/v1/projects/snap/workspace`)));
    expect(empty.fingerprint).toMatchObject({ fileCount: 0, changes: null, files: {} });

    for (const p of ["../escape.txt", "/etc/passwd", "a/../../b", "dir\\..\\x", ".git/config"]) {
      const res = await fetch(`${runner.url}/v1/projects/snap/workspace/snapshot`, {
        method: "PUT",
        body: JSON.stringify({ files: [{ path: p, contentBase64: b64("x") }] }),
      });
      expect(res.status, p).toBe(400);
    }

    const put = await fetch(`${runner.url}/v1/projects/snap/workspace/snapshot`, {
      method: "PUT",
      body: JSON.stringify({ files: [{ path: "notes.md", contentBase64: b64("remember this\n") }, { path: "src/a.ts", contentBase64: b64("export {}\n") }] }),
    });
    expect(put.status).toBe(200);
    const imported = WorkspaceResponse.parse(await json(put)).fingerprint;
    expect(imported.fileCount).toBe(2);

    const got = SnapshotResponse.parse(await json(await fetch(`${runner.url}/v1/projects/snap/workspace/snapshot`)));
    expect(got.files.map((f) => [f.path, Buffer.from(f.contentBase64, "base64").toString()])).toEqual([
      ["notes.md", "remember this\n"],
      ["src/a.ts", "export {}\n"],
    ]);
    expect(got.fingerprint.treeHash).toBe(imported.treeHash);

    // A new session in an imported workspace reads the file with the Read tool.
    const build = await expectResult(runner, { runId: "r1", projectId: "snap", operation: "build", prompt: "read notes.md" });
    expect(build.events).toContainEqual({ type: "tool_use", name: "Read", target: "notes.md" });
    expect(build.result.filesRead).toBe(1);
    expect(build.result.fingerprint.changes).toEqual({ added: [], removed: [], modified: [] });
    expect(build.result.fingerprint.treeHash).toBe(imported.treeHash);
  });

  it("rehydrates a wiped runner from an exported transcript and snapshot, and resumes", async () => {
    // Its own runner, so the data dir can be wiped as a recycled container's disk is.
    const first = await newRunner();
    const dataDir = first.config.dataDir;
    let s: string;
    let jsonl: string;
    let snapshot: SnapshotResponse;
    try {
      const build = await expectResult(first, { runId: "h1", projectId: "rehydrate", operation: "build", prompt: "create story.md with chapter one" });
      s = build.result.sessionId;
      jsonl = await transcript(first, "rehydrate", s);
      snapshot = SnapshotResponse.parse(await json(await fetch(`${first.url}/v1/projects/rehydrate/workspace/snapshot`)));
      // Transcripts are per project: another project never sees this one.
      expect((await fetch(`${first.url}/v1/projects/other/sessions/${s}`)).status).toBe(404);
      expect((await fetch(`${first.url}/v1/projects/other/sessions/${s}/transcript`)).status).toBe(404);
    } finally {
      await first.close();
    }
    await rm(dataDir, { recursive: true, force: true });

    const fresh = await newRunner({ dataDir });
    try {
      const missing = await fetch(`${fresh.url}/v1/projects/rehydrate/sessions/${s}`);
      expect(missing.status).toBe(404);
      expect(ErrorEnvelope.parse(await json(missing)).error.code).toBe("session_not_found");

      // Uploads are validated: unparseable lines or lines of another session are refused.
      const badLines = await fetch(`${fresh.url}/v1/projects/rehydrate/sessions/${s}/transcript`, { method: "PUT", body: `${jsonl}not json\n` });
      expect(badLines.status).toBe(400);
      const other = "0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a";
      const wrongId = await fetch(`${fresh.url}/v1/projects/rehydrate/sessions/${other}/transcript`, { method: "PUT", body: jsonl });
      expect(wrongId.status).toBe(400);

      const putTranscript = await fetch(`${fresh.url}/v1/projects/rehydrate/sessions/${s}/transcript`, { method: "PUT", body: jsonl });
      expect(putTranscript.status).toBe(204);
      const putSnapshot = await fetch(`${fresh.url}/v1/projects/rehydrate/workspace/snapshot`, { method: "PUT", body: JSON.stringify({ files: snapshot.files }) });
      expect(putSnapshot.status).toBe(200);
      const info = SessionInfoResponse.parse(await json(await fetch(`${fresh.url}/v1/projects/rehydrate/sessions/${s}`)));
      expect(info).toEqual({ sessionId: s, transcriptBytes: Buffer.byteLength(jsonl) });

      const update = await expectResult(fresh, { runId: "h2", projectId: "rehydrate", operation: "update", prompt: "append to story.md: chapter two", resumeSessionId: s });
      expect(update.result.sessionId).not.toBe(s);
      expect(update.result.fingerprint.changes).toEqual({ added: [], removed: [], modified: ["story.md"] });
      // Resumed, not restarted: the request carries the build turn as history.
      expect(requestsOf(update.result.sessionId)[0]?.userPrompts).toEqual(["create story.md with chapter one", "append to story.md: chapter two"]);
      const after = SnapshotResponse.parse(await json(await fetch(`${fresh.url}/v1/projects/rehydrate/workspace/snapshot`)));
      expect(after.files.map((f) => Buffer.from(f.contentBase64, "base64").toString())).toEqual(["chapter one\nchapter two\n"]);
    } finally {
      await fresh.close();
    }
  });

  it("requires the bearer token when one is configured", async () => {
    const guarded = await newRunner({ token: "s3cret" });
    try {
      expect((await fetch(`${guarded.url}/healthz`)).status).toBe(200);
      const denied = await fetch(`${guarded.url}/v1/projects/p/workspace`);
      expect(denied.status).toBe(401);
      expect(ErrorEnvelope.parse(await json(denied)).error.code).toBe("unauthorized");
      expect((await fetch(`${guarded.url}/v1/projects/p/workspace`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
      const ok = await fetch(`${guarded.url}/v1/projects/p/workspace`, { headers: { authorization: "Bearer s3cret" } });
      expect(ok.status).toBe(200);
      const health = (await json(await fetch(`${guarded.url}/healthz`))) as { ok: boolean; engine: string };
      expect(health).toEqual({ ok: true, engine: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    } finally {
      await guarded.close();
    }
  });
});
