// The runner as the node tests drive it: a runner on a temp data dir against a model URL
// (the simulator), and its HTTP protocol (start a run, follow its events, trees and blobs).
import { createHash } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { treeHash } from "../../container/src/fingerprint.ts";
import { LoggedEvent, RunEvent, TreeManifest } from "../../container/src/protocol.ts";
import type { ErrorEvent, ResultEvent, RunRequestInput } from "../../container/src/protocol.ts";
import { startRunner } from "../../container/src/server.ts";
import type { RunningRunner } from "../../container/src/server.ts";
import { manifestHashes } from "../../container/src/tree.ts";

export interface TestRunnerOptions {
  token?: string;
  dataDir?: string;
  modelUrl?: string;
  env?: Record<string, string>;
}

/** A runner on its own temp data dir (pushed to `tempDirs` for the caller to remove). */
export async function startTestRunner(options: TestRunnerOptions & { modelUrl: string }, tempDirs: string[]): Promise<RunningRunner> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), "runner-test-")));
  tempDirs.push(dataDir);
  return startRunner({
    dataDir,
    token: options.token ?? null,
    // Engine retries off: a fault must surface as the run's error, at once.
    env: { ANTHROPIC_BASE_URL: options.modelUrl, ANTHROPIC_API_KEY: "sim-key", RUNNER_ENGINE_MAX_RETRIES: "0", RUNNER_MAX_TURNS: "12", ...options.env },
    log: () => {},
  });
}

export interface RunOutput {
  status: number;
  events: RunEvent[];
  final: RunEvent | undefined;
}

export async function post(r: RunningRunner, body: unknown): Promise<Response> {
  return fetch(`${r.url}/v1/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** The run's logged events after `after`, in order, until its final event (the stream then ends). */
export async function follow(r: RunningRunner, runId: string, after = 0): Promise<LoggedEvent[]> {
  const res = await fetch(`${r.url}/v1/runs/${encodeURIComponent(runId)}/events?after=${after}`);
  expect(res.status).toBe(200);
  return (await res.text())
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => LoggedEvent.parse(JSON.parse(line)));
}

/** Starts a run (detached on the runner) and reads its whole event log. */
export async function run(r: RunningRunner, body: RunRequestInput): Promise<RunOutput> {
  const res = await post(r, body);
  if (res.status !== 202) return { status: res.status, events: [], final: undefined };
  const logged = await follow(r, body.runId);
  expect(logged.map((e) => e.seq)).toEqual(logged.map((_, i) => i + 1));
  const events = logged.map((e) => RunEvent.parse(e));
  return { status: 200, events, final: events.at(-1) };
}


export async function expectResult(r: RunningRunner, body: RunRequestInput): Promise<{ result: ResultEvent; events: RunEvent[] }> {
  const { status, events, final } = await run(r, body);
  expect(status).toBe(200);
  if (final?.type !== "result") throw new Error(`expected a result, got ${JSON.stringify(final)}`);
  expect(events.filter((e) => e.type === "result" || e.type === "error")).toHaveLength(1);
  return { result: final, events };
}

export async function expectError(r: RunningRunner, body: RunRequestInput): Promise<ErrorEvent> {
  const { status, final } = await run(r, body);
  expect(status).toBe(200);
  if (final?.type !== "error") throw new Error(`expected an error, got ${JSON.stringify(final)}`);
  return final;
}


export const sha256 = (content: string | Buffer): string => createHash("sha256").update(content).digest("hex");

export const ws = (r: RunningRunner, workspaceId: string, rest = ""): string => `${r.url}/v1/workspaces/${workspaceId}${rest}`;

export async function putBlob(r: RunningRunner, workspaceId: string, content: string | Buffer, name = sha256(content)): Promise<Response> {
  return fetch(ws(r, workspaceId, `/blobs/${name}`), { method: "PUT", body: typeof content === "string" ? content : new Uint8Array(content) });
}

export async function putTree(r: RunningRunner, workspaceId: string, manifest: TreeManifest): Promise<Response> {
  return fetch(ws(r, workspaceId, "/tree"), { method: "PUT", body: JSON.stringify(manifest) });
}

/** A manifest for text files, with the tree hash computed by the runner's own rule. */
export function manifestOf(files: Record<string, string>): TreeManifest {
  const entries = Object.entries(files)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, text]) => ({ path, sha256: sha256(text), size: Buffer.byteLength(text) }));
  return { treeHash: treeHash(manifestHashes(entries)), files: entries };
}

/** Uploads the files' blobs and materialises them as the workspace. */
export async function importFiles(r: RunningRunner, workspaceId: string, files: Record<string, string>): Promise<Response> {
  for (const text of Object.values(files)) expect((await putBlob(r, workspaceId, text)).status).toBe(204);
  return putTree(r, workspaceId, manifestOf(files));
}


export async function getTree(r: RunningRunner, workspaceId: string): Promise<TreeManifest> {
  const res = await fetch(ws(r, workspaceId, "/tree"));
  expect(res.status).toBe(200);
  return TreeManifest.parse(await res.json());
}
