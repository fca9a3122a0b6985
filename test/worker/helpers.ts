import type { VersionLog } from "../../src/runner/protocol.ts";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { SignJWT } from "jose";
import { withDb } from "../../src/db/client.ts";
import type { Db } from "../../src/db/client.ts";
import type { JobView } from "../../src/domain/views.ts";

export async function token(userId: string, expiresIn = "1h"): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(env.AUTH_SECRET));
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function api(method: string, path: string, options: { user?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<ApiResponse> {
  const headers = new Headers(options.headers);
  if (options.user !== undefined) headers.set("authorization", `Bearer ${await token(options.user)}`);
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  const res = await exports.default.fetch(new Request(`http://api.test${path}`, { method, headers, ...(body !== undefined ? { body } : {}) }));
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

export interface Created {
  projectId: string;
  jobId: string;
  versionNumber: number;
}

export function accepted(res: ApiResponse): Created {
  const job = res.body["job"] as JobView;
  return { projectId: job.projectId, jobId: job.id, versionNumber: job.versionNumber };
}

export async function createProject(user: string, prompt = "build a todo app"): Promise<Created> {
  const res = await api("POST", "/v1/projects", { user, body: { name: "demo", prompt } });
  if (res.status !== 202) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return accepted(res);
}

export async function postUpdate(user: string, projectId: string, prompt: string, headers: Record<string, string> = {}): Promise<Created> {
  const res = await api("POST", `/v1/projects/${projectId}/updates`, { user, body: { prompt }, headers });
  if (res.status !== 202) throw new Error(`update failed: ${res.status} ${JSON.stringify(res.body)}`);
  return accepted(res);
}

export async function job(user: string, projectId: string, jobId: string): Promise<JobView> {
  const res = await api("GET", `/v1/projects/${projectId}/jobs/${jobId}`, { user });
  if (res.status !== 200) throw new Error(`job read failed: ${res.status}`);
  return res.body as unknown as JobView;
}

/** Polls until the job has finished (the alarm runs it in the background). */
export async function waitForJob(user: string, projectId: string, jobId: string, timeoutMs = 30_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await job(user, projectId, jobId);
    if (view.status === "succeeded" || view.status === "failed") return view;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${view.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Posts an update and waits for it; the test fails unless it succeeded. */
export async function updateSucceeded(user: string, projectId: string, prompt: string): Promise<JobView> {
  const view = await waitForJob(user, projectId, (await postUpdate(user, projectId, prompt)).jobId);
  expect(view.status).toBe("succeeded");
  return view;
}

/** Scripts the fake runner for one project (see test/support/fake-runner.ts). */
export async function fake(projectId: string, action: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${env.RUNNER_URL}/__fake/projects/${projectId}/${action}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
  });
  return (await res.json()) as Record<string, unknown>;
}

export interface FakeCall {
  runId: string;
  operation: string;
  resumeSessionId: string | null;
  forkSession: boolean;
  prompt: string;
  versionNumber: number | null;
  metadataContext: { previousDocumentation: string | null; changedPaths: string[] } | null;
  documentationPatch: { changed: { path: string; previousEntry: string | null }[]; removed: string[] } | null;
  model: string | null;
  handoff: string | null;
  cacheTtl: "5m" | "1h" | null;
  versionLog: VersionLog | null;
  outcome: string;
  sessionIdOut: string | null;
}

export async function calls(projectId: string): Promise<{ calls: FakeCall[]; overlaps: number; files: Record<string, string> }> {
  return (await fake(projectId, "calls")) as unknown as { calls: FakeCall[]; overlaps: number; files: Record<string, string> };
}

export interface FakeRunInfo {
  operation: string;
  /** Times the run's work began on the runner: 1 unless it was started twice. */
  starts: number;
  /** Event streams the DO opened for it, and how many are open now. */
  follows: number;
  openFollows: number;
  finished: boolean;
  held: boolean;
}

/** The fake runner's runs of one workspace, by run id. */
export async function runs(projectId: string): Promise<Record<string, FakeRunInfo>> {
  return ((await fake(projectId, "runs")) as unknown as { runs: Record<string, FakeRunInfo> }).runs;
}

export function db<T>(work: (db: Db) => Promise<T>): Promise<T> {
  return withDb(env, work);
}

export function projectStub(projectId: string) {
  return env.PROJECT.getByName(projectId);
}

/** A project whose create job has finished; returns its head session id. */
export async function readyProject(user: string): Promise<{ projectId: string; headSessionId: string }> {
  const created = await createProject(user);
  const done = await waitForJob(user, created.projectId, created.jobId);
  if (done.status !== "succeeded" || done.sessionIdOut === null) throw new Error(`create job ${done.status}`);
  return { projectId: created.projectId, headSessionId: done.sessionIdOut };
}

export const newUser = (): string => `user-${crypto.randomUUID()}`;

export interface SseEvent {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

/** Reads a job's event stream to its end (it ends once the job has finished). */
export async function readEvents(user: string, path: string, lastEventId?: number): Promise<{ status: number; type: string | null; events: SseEvent[] }> {
  const headers = new Headers({ authorization: `Bearer ${await token(user)}` });
  if (lastEventId !== undefined) headers.set("last-event-id", String(lastEventId));
  const res = await exports.default.fetch(new Request(`http://api.test${path}`, { headers }));
  const text = await res.text(); // the stream ends once the job has finished
  const events: SseEvent[] = [];
  for (const block of text.split("\n\n")) {
    const fields = new Map<string, string>();
    for (const line of block.split("\n")) {
      const at = line.indexOf(":");
      if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1).trim());
    }
    const id = fields.get("id");
    if (id !== undefined) events.push({ id: Number(id), event: fields.get("event") ?? "", data: JSON.parse(fields.get("data") ?? "{}") as Record<string, unknown> });
  }
  return { status: res.status, type: res.headers.get("content-type"), events };
}
