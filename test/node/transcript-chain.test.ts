// Transcripts as deltas and sessions forked without a model call, through the real runner
// and the real Claude Code engine against the model simulator: a delta rebuilds exactly the
// file the runner exported, and a fork (in its own workspace or another one) is resumed by
// the engine with the history of exactly the session it forked, nothing after it.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { treeHash } from "../../container/src/fingerprint.ts";
import { ForkSessionResponse, LoggedEvent, TRANSCRIPT_BYTES_HEADER, TRANSCRIPT_DELTA_CONTENT_TYPE, TranscriptDeltaHeader } from "../../container/src/protocol.ts";
import type { ResultEvent, RunRequestInput, TreeManifest } from "../../container/src/protocol.ts";
import { versionLabel } from "../../container/src/prompts.ts";
import { startRunner } from "../../container/src/server.ts";
import type { RunningRunner } from "../../container/src/server.ts";
import { manifestHashes } from "../../container/src/tree.ts";
import { startSimulator } from "../../scripts/simulator/server.ts";
import type { Simulator } from "../../scripts/simulator/server.ts";

let sim: Simulator;
const dirs: string[] = [];
const runners: RunningRunner[] = [];

async function newRunner(at?: string): Promise<RunningRunner> {
  const dataDir = at ?? (await mkdtemp(path.join(tmpdir(), "transcript-chain-")));
  dirs.push(dataDir);
  const runner = await startRunner({
    dataDir, token: null, log: () => {},
    env: { ANTHROPIC_BASE_URL: sim.url, ANTHROPIC_API_KEY: "sim-key", RUNNER_ENGINE_MAX_RETRIES: "0", RUNNER_MAX_TURNS: "12" },
  });
  runners.push(runner);
  return runner;
}

beforeAll(async () => {
  sim = await startSimulator({ latencyScale: 0, seed: 11 });
});

afterAll(async () => {
  for (const runner of runners) await runner.close();
  await sim?.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const sha256 = (content: string | Buffer): string => createHash("sha256").update(content).digest("hex");
const ws = (r: RunningRunner, workspaceId: string, rest = ""): string => `${r.url}/v1/workspaces/${workspaceId}${rest}`;
let runs = 0;

async function run(r: RunningRunner, body: Omit<RunRequestInput, "runId">): Promise<ResultEvent> {
  const runId = `tc-${++runs}`;
  const res = await fetch(`${r.url}/v1/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, runId }) });
  expect(res.status).toBe(202);
  const lines = (await (await fetch(`${r.url}/v1/runs/${runId}/events?after=0`)).text()).split("\n").filter((l) => l.trim() !== "");
  const final = LoggedEvent.parse(JSON.parse(lines.at(-1) ?? "{}"));
  if (final.type !== "result") throw new Error(`expected a result, got ${JSON.stringify(final)}`);
  return final;
}

async function transcript(r: RunningRunner, workspaceId: string, sessionId: string, base?: string): Promise<Response> {
  return fetch(ws(r, workspaceId, `/sessions/${sessionId}/transcript${base === undefined ? "" : `?base=${base}`}`));
}

async function putTranscript(r: RunningRunner, workspaceId: string, sessionId: string, body: Buffer, delta = false): Promise<Response> {
  return fetch(ws(r, workspaceId, `/sessions/${sessionId}/transcript`), {
    method: "PUT", body: new Uint8Array(body), headers: { "content-type": delta ? TRANSCRIPT_DELTA_CONTENT_TYPE : "application/x-ndjson" },
  });
}

async function fork(r: RunningRunner, workspaceId: string, sessionId: string): Promise<ForkSessionResponse> {
  const res = await fetch(ws(r, workspaceId, `/sessions/${sessionId}/fork`), { method: "POST" });
  expect(res.status).toBe(201);
  return ForkSessionResponse.parse(await res.json());
}

/** Makes a workspace exactly these text files (blobs uploaded, then the tree imported). */
async function importFiles(r: RunningRunner, workspaceId: string, files: Record<string, string>): Promise<void> {
  for (const text of Object.values(files)) expect((await fetch(ws(r, workspaceId, `/blobs/${sha256(text)}`), { method: "PUT", body: text })).status).toBe(204);
  const entries = Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, text]) => ({ path: p, sha256: sha256(text), size: Buffer.byteLength(text) }));
  const manifest: TreeManifest = { treeHash: treeHash(manifestHashes(entries)), files: entries };
  expect((await fetch(ws(r, workspaceId, "/tree"), { method: "PUT", body: JSON.stringify(manifest) })).status).toBe(200);
}

async function file(r: RunningRunner, workspaceId: string, name: string): Promise<string> {
  const tree = TreeManifestOf(await (await fetch(ws(r, workspaceId, "/tree"))).json());
  const entry = tree.files.find((f) => f.path === name);
  if (entry === undefined) throw new Error(`${name} is not in ${workspaceId}`);
  return (await fetch(ws(r, workspaceId, `/blobs/${entry.sha256}`))).text();
}
const TreeManifestOf = (value: unknown): TreeManifest => value as TreeManifest;

const labelled = (n: number, prompt: string): string => `${versionLabel(n)}\n${prompt}`;
/** The user prompts the engine sent for a session (the simulator's request log). */
const promptsOf = (sessionId: string): string[] => sim.requests().filter((e) => e.sessionId === sessionId)[0]?.userPrompts ?? [];

/** v1 creates notes.txt, v2 and v3 append to it; each a fork of the previous session. */
async function threeVersions(r: RunningRunner, workspaceId: string): Promise<{ v1: ResultEvent; v2: ResultEvent; v3: ResultEvent }> {
  const v1 = await run(r, { workspaceId, operation: "build", prompt: "create notes.txt with one", versionNumber: 1 });
  const v2 = await run(r, { workspaceId, operation: "update", prompt: "append to notes.txt: two", resumeSessionId: v1.sessionId, versionNumber: 2 });
  const v3 = await run(r, { workspaceId, operation: "update", prompt: "append to notes.txt: three", resumeSessionId: v2.sessionId, versionNumber: 3 });
  expect(await file(r, workspaceId, "notes.txt")).toBe("one\ntwo\nthree\n");
  return { v1, v2, v3 };
}

describe("transcript deltas", () => {
  it("a delta rebuilds, on a runner that never saw the session, the byte-identical transcript the runner exported; the engine resumes it", async () => {
    const a = await newRunner();
    const v1 = await run(a, { workspaceId: "delta", operation: "build", prompt: "create notes.txt with one", versionNumber: 1 });
    const v2 = await run(a, { workspaceId: "delta", operation: "update", prompt: "append to notes.txt: two", resumeSessionId: v1.sessionId, versionNumber: 2 });
    const parent = Buffer.from(await (await transcript(a, "delta", v1.sessionId)).arrayBuffer());
    const whole = await transcript(a, "delta", v2.sessionId);
    const exported = Buffer.from(await whole.arrayBuffer());
    expect(whole.headers.get(TRANSCRIPT_BYTES_HEADER)).toBe(String(exported.length));

    const asDelta = await transcript(a, "delta", v2.sessionId, v1.sessionId);
    expect(asDelta.status).toBe(200);
    expect(asDelta.headers.get("content-type")).toBe(TRANSCRIPT_DELTA_CONTENT_TYPE);
    expect(asDelta.headers.get(TRANSCRIPT_BYTES_HEADER)).toBe(String(exported.length));
    const delta = Buffer.from(await asDelta.arrayBuffer());
    expect(delta.length).toBeLessThan(exported.length / 2);
    const header = TranscriptDeltaHeader.parse(JSON.parse(delta.toString("utf8").split("\n")[0] ?? ""));
    expect(header).toMatchObject({ sessionId: v2.sessionId, parentSessionId: v1.sessionId, sha256: sha256(exported), bytes: exported.length });

    // The runner's disk is wiped (transcripts record the workspace's absolute path, so a
    // rehydrated session runs at the same path); it gets the parent whole and the child as the delta.
    await a.close();
    await rm(a.config.dataDir, { recursive: true, force: true });
    const b = await newRunner(a.config.dataDir);
    await importFiles(b, "delta", { "notes.txt": "one\ntwo\n" });
    expect((await putTranscript(b, "delta", v2.sessionId, delta, true)).status).toBe(404); // its parent is not there yet
    expect((await putTranscript(b, "delta", v1.sessionId, parent)).status).toBe(204);
    const tampered = Buffer.from(delta.toString("utf8").replace(/\n\+(.)/, "\n+X$1"));
    const refused = await putTranscript(b, "delta", v2.sessionId, tampered, true);
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("transcript_mismatch");
    expect((await putTranscript(b, "delta", v2.sessionId, delta, true)).status).toBe(204);
    const rebuilt = Buffer.from(await (await transcript(b, "delta", v2.sessionId)).arrayBuffer());
    expect(rebuilt.equals(exported)).toBe(true);

    // The engine resumes the rebuilt session with its whole history: it can undo version 2.
    const v3 = await run(b, { workspaceId: "delta", operation: "update", prompt: "undo version 2", resumeSessionId: v2.sessionId, versionNumber: 3 });
    expect(promptsOf(v3.sessionId)).toEqual([labelled(1, "create notes.txt with one"), labelled(2, "append to notes.txt: two"), labelled(3, "undo version 2")]);
    expect(await file(b, "delta", "notes.txt")).toBe("one\n");
  });

  it("without a base the runner has, the export is the whole transcript", async () => {
    const a = await newRunner();
    const v1 = await run(a, { workspaceId: "nobase", operation: "build", prompt: "create a.txt with x", versionNumber: 1 });
    const res = await transcript(a, "nobase", v1.sessionId, "00000000-0000-4000-8000-000000000000");
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    expect((await res.arrayBuffer()).byteLength).toBe(Number(res.headers.get(TRANSCRIPT_BYTES_HEADER)));
  });
});

describe("forks without a model call", () => {
  it("a fork of version 2's session, resumed on version 2's files, knows version 2 and nothing after it", async () => {
    const r = await newRunner();
    const { v2 } = await threeVersions(r, "restore");
    const parentBefore = await (await transcript(r, "restore", v2.sessionId)).text();
    const requestsBefore = sim.requests().length;
    const forked = await fork(r, "restore", v2.sessionId);
    expect(sim.requests().length).toBe(requestsBefore); // no model call
    expect(forked.forkedFrom).toBe(v2.sessionId);
    expect(forked.sessionId).not.toBe(v2.sessionId);
    expect(await (await transcript(r, "restore", v2.sessionId)).text()).toBe(parentBefore);
    const text = await (await transcript(r, "restore", forked.sessionId)).text();
    expect(Buffer.byteLength(text)).toBe(forked.transcriptBytes);
    expect(text).not.toContain(`"sessionId":"${v2.sessionId}"`);

    // The workspace goes back to version 2's files; the fork is resumed there.
    await importFiles(r, "restore", { "notes.txt": "one\ntwo\n" });
    const v4 = await run(r, { workspaceId: "restore", operation: "update", prompt: "undo version 3\nundo version 2", resumeSessionId: forked.sessionId, versionNumber: 4 });
    expect(promptsOf(v4.sessionId)).toEqual([labelled(1, "create notes.txt with one"), labelled(2, "append to notes.txt: two"), labelled(4, "undo version 3\nundo version 2")]);
    expect(v4.text).toContain("could not undo version 3: its request is not in this conversation");
    expect(await file(r, "restore", "notes.txt")).toBe("one\n");
  });

  it("a fork into another workspace moves the recorded paths there: the engine works in it, nothing is refused", async () => {
    const r = await newRunner();
    const { v2 } = await threeVersions(r, "origin");
    const source = Buffer.from(await (await transcript(r, "origin", v2.sessionId)).arrayBuffer());
    const originPath = path.join(r.config.dataDir, "projects", "origin", "workspace");
    expect(source.toString("utf8")).toContain(originPath);

    await importFiles(r, "origin-feature", { "notes.txt": "one\ntwo\n" });
    expect((await putTranscript(r, "origin-feature", v2.sessionId, source)).status).toBe(204);
    const forked = await fork(r, "origin-feature", v2.sessionId);
    const text = await (await transcript(r, "origin-feature", forked.sessionId)).text();
    expect(text).not.toContain(originPath);
    expect(text).toContain(path.join(r.config.dataDir, "projects", "origin-feature", "workspace"));

    // The fork is a small delta of its source, paths and all.
    const delta = await transcript(r, "origin-feature", forked.sessionId, v2.sessionId);
    expect(delta.headers.get("content-type")).toBe(TRANSCRIPT_DELTA_CONTENT_TYPE);
    expect(Number(delta.headers.get("content-length"))).toBeLessThan(Buffer.byteLength(text) / 10);

    const next = await run(r, { workspaceId: "origin-feature", operation: "update", prompt: "undo version 2\nappend to notes.txt: feature", resumeSessionId: forked.sessionId, versionNumber: 4 });
    expect(next.refusedToolCalls).toBe(0);
    expect(await file(r, "origin-feature", "notes.txt")).toBe("one\nfeature\n");
    expect(await file(r, "origin", "notes.txt")).toBe("one\ntwo\nthree\n");
  });

  it("an unknown session cannot be forked", async () => {
    const r = await newRunner();
    const res = await fetch(ws(r, "none", "/sessions/00000000-0000-4000-8000-000000000000/fork"), { method: "POST" });
    expect(res.status).toBe(404);
  });
});
