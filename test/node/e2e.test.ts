// End to end through the real Claude Code engine: the Worker under wrangler dev, the
// ProjectDO, Postgres, R2 (Miniflare), the runner process and the model simulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSION_LOG_PATH } from "../../container/src/product-dir.ts";
import { VERSION_LOG_NOTE } from "../../container/src/prompts.ts";
import { TreeManifest } from "../../container/src/protocol.ts";
import type { RequestLogEntry } from "../../scripts/simulator/server.ts";
import { startStack } from "../../scripts/stack.ts";
import type { Stack } from "../../scripts/stack.ts";
import type { JobView, SessionView, VersionView } from "../../src/domain/views.ts";
import { apiCall, jobFinished, signBearer } from "../support/stack-api.ts";

let stack: Stack;
let bearer: string;

/**
 * One whole local stack per describe block; its Worker vars differ between them. The chain's
 * mechanics run under today's rule (SESSION_POLICY=always: resume whenever allowed); the last
 * block runs the deployment's default, the economic policy.
 */
function useStack(vars: Record<string, string>, seed?: number): void {
  beforeAll(async () => {
    stack = await startStack({ latencyScale: 0, database: "postgres", vars, ...(seed === undefined ? {} : { seed }) });
    bearer = await signBearer(stack, "e2e-user");
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });
}

function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  return apiCall<T>(stack, bearer, method, path, body);
}

function finished(projectId: string, jobId: string): Promise<JobView> {
  return jobFinished(() => call<JobView>("GET", `/v1/projects/${projectId}/jobs/${jobId}`), 120_000);
}

async function simRequests(): Promise<RequestLogEntry[]> {
  const body = (await (await fetch(`${stack.simulatorUrl ?? ""}/__sim/requests`)).json()) as { requests: RequestLogEntry[] };
  return body.requests;
}

/** A file of the project's runner workspace (its workspace id is the project id), via the tree and blob endpoints. */
async function workspaceFile(projectId: string, path: string): Promise<string | null> {
  const tree = TreeManifest.parse(await (await fetch(`${stack.runnerUrl}/v1/workspaces/${projectId}/tree`)).json());
  const file = tree.files.find((f) => f.path === path);
  return file === undefined ? null : (await fetch(`${stack.runnerUrl}/v1/workspaces/${projectId}/blobs/${file.sha256}`)).text();
}

describe("through the real Claude Code engine (compaction above a context size)", () => {
  useStack({ COMPACTION_POLICY: "threshold", SESSION_POLICY: "always" });
  it("create + two updates: each update resumes the previous final session, carries the earlier turns, and survives a wiped runner", async () => {
    const created = await call<{ project: { id: string }; job: JobView }>("POST", "/v1/projects", { name: "e2e", prompt: "create notes/todo.md with # Todo" });
    const projectId = created.project.id;
    const v1 = await finished(projectId, created.job.id);
    expect(v1.status).toBe("succeeded");
    expect(await workspaceFile(projectId, "notes/todo.md")).toBe("# Todo\n");

    const u1 = await call<{ job: JobView }>("POST", `/v1/projects/${projectId}/updates`, { prompt: "append to notes/todo.md: - buy milk" });
    const v2 = await finished(projectId, u1.job.id);
    expect(v2.status).toBe("succeeded");
    expect(v2.resume?.decision).toBe("resume");
    expect(v2.sessionIdIn).toBe(v1.sessionIdOut);
    expect(await workspaceFile(projectId, "notes/todo.md")).toBe("# Todo\n- buy milk\n");

    // The model saw the earlier turns: the update's requests carried the create prompt.
    const updateRequests = (await simRequests()).filter((r) => r.userPrompts.some((p) => p.includes("- buy milk")));
    expect(updateRequests.length).toBeGreaterThan(0);
    expect(updateRequests[0]?.userPrompts.some((p) => p.includes("create notes/todo.md"))).toBe(true);
    expect(updateRequests[0]?.sessionId).not.toBe(v1.sessionIdOut); // forked: a new id per version
    // A resumed session gets the version log too (its head may not have seen every version):
    // the update's prompt names it before the request.
    expect(updateRequests[0]?.userPrompts.some((p) => p.startsWith(VERSION_LOG_NOTE) && p.includes("- buy milk"))).toBe(true);

    // The container loses its disk; R2 has the transcript and workspace.
    await stack.restartRunner(true);
    const u2 = await call<{ job: JobView }>("POST", `/v1/projects/${projectId}/updates`, { prompt: "append to notes/todo.md: - call mom" });
    const v3 = await finished(projectId, u2.job.id);
    expect(v3.status).toBe("succeeded");
    expect(v3.resume).toEqual({ decision: "resume", reason: "resumable" });
    expect(v3.sessionIdIn).toBe(v2.sessionIdOut);
    expect(await workspaceFile(projectId, "notes/todo.md")).toBe("# Todo\n- buy milk\n- call mom\n");
    const afterWipe = (await simRequests()).filter((r) => r.userPrompts.some((p) => p.includes("- call mom")));
    expect(afterWipe[0]?.userPrompts.some((p) => p.includes("- buy milk"))).toBe(true);

    // The chain: every step resumed the id the step before returned, and each version
    // stores the id of its last step on the chain. The metadata step is a fork off the chain
    // (docs/policy.md, "The metadata step"): it never becomes the head.
    const session = await call<SessionView>("GET", `/v1/projects/${projectId}/session`);
    expect(session.history.map((h) => h.operation)).toEqual(["build", "update", "update"]);
    session.history.forEach((link, i) => {
      if (i > 0) expect(link.parentSessionId).toBe(session.history[i - 1]?.sessionId);
    });
    const { versions } = await call<{ versions: VersionView[] }>("GET", `/v1/projects/${projectId}/versions`);
    expect(versions.map((v) => v.aiSessionId)).toEqual(session.history.map((h) => h.sessionId));
    expect(versions[0]?.documentation).toBeTruthy();
    expect(versions.every((v) => v.usage.costUsd > 0)).toBe(true);
  }, 300_000);

  it("a head transcript that fails the runner's check is never sent: the update falls back to a new session with the handoff", async () => {
    const created = await call<{ project: { id: string }; job: JobView }>("POST", "/v1/projects", { name: "damaged", prompt: "create notes.txt with one" });
    const projectId = created.project.id;
    const v1 = await finished(projectId, created.job.id);
    const head = v1.sessionIdOut ?? "";
    // The head's transcript on the runner loses a link of its parentUuid chain (it still passes the import's line check).
    const url = `${stack.runnerUrl}/v1/workspaces/${projectId}/sessions/${head}/transcript`;
    const text = await (await fetch(url)).text();
    const broken = text.split("\n").map((l) => (l.includes('"type":"tool_result"') ? l.replace(/"parentUuid":"[^"]+"/, `"parentUuid":"${crypto.randomUUID()}"`) : l)).join("\n");
    expect(broken).not.toBe(text);
    expect((await fetch(url, { method: "PUT", body: broken, headers: { "content-type": "application/x-ndjson" } })).status).toBe(204);

    const since = (await simRequests()).at(-1)?.seq ?? 0;
    const u1 = await call<{ job: JobView }>("POST", `/v1/projects/${projectId}/updates`, { prompt: "append to notes.txt: two" });
    const v2 = await finished(projectId, u1.job.id);
    expect(v2.status).toBe("succeeded");
    expect(v2.resume).toEqual({ decision: "fresh", reason: "fallback:transcript_invalid" });
    expect(await workspaceFile(projectId, "notes.txt")).toBe("one\ntwo\n");
    const requests = (await simRequests()).filter((r) => r.seq > since);
    for (const r of requests) expect(r.toolPairingErrors).toEqual([]);
    // The new session's prompt starts with the handoff; no request carried the refused session's turns.
    expect(requests.some((r) => /^This is a new session on an existing project\./.test(r.userPrompts.at(-1) ?? ""))).toBe(true);
    for (const r of requests) expect(r.userPrompts[0] ?? "").not.toMatch(/^Request for version 1:/);
    // The new session was given the version log; it is on the runner's disk, never in the project's tree.
    expect(await workspaceFile(projectId, VERSION_LOG_PATH)).toBeNull();
  }, 300_000);
});

describe("through the real Claude Code engine (compaction after every job)", () => {
  useStack({ COMPACTION_POLICY: "always", SESSION_POLICY: "always" });

  it("compaction's session id is stored as the version's, and the next update resumes it with the summary in context", async () => {
    const created = await call<{ project: { id: string }; job: JobView }>("POST", "/v1/projects", { name: "compacted", prompt: "create app/readme.md with hello" });
    const projectId = created.project.id;
    const v1 = await finished(projectId, created.job.id);
    const session = await call<SessionView>("GET", `/v1/projects/${projectId}/session`);
    expect(session.history.map((h) => h.operation)).toEqual(["build", "compact"]);
    const compactId = session.history[1]?.sessionId;
    expect(v1.sessionIdOut).toBe(compactId);
    const { versions } = await call<{ versions: VersionView[] }>("GET", `/v1/projects/${projectId}/versions`);
    expect(versions[0]?.aiSessionId).toBe(compactId);

    const update = await call<{ job: JobView }>("POST", `/v1/projects/${projectId}/updates`, { prompt: "append to app/readme.md: world" });
    const v2 = await finished(projectId, update.job.id);
    expect(v2.sessionIdIn).toBe(compactId);
    expect(await workspaceFile(projectId, "app/readme.md")).toBe("hello\nworld\n");
    const first = (await simRequests()).find((r) => r.userPrompts.some((p) => p.includes("append to app/readme.md")));
    expect(first?.userPrompts[0]).toMatch(/continued from a previous conversation/);
    // the file was in the summarised context: straight to Edit, no Read first
    expect(first?.toolCalls.map((t) => t.name)).toEqual(["Edit"]);
  }, 300_000);
});

// The seed rules close resuming (the head is stale) and the policy hands off: the new session
// still carries out a request that refers to an earlier one.
describe("the economic policy through the real engine (every head stale: SESSION_MAX_AGE_HOURS=0)", () => {
  useStack({ SESSION_MAX_AGE_HOURS: "0" });

  async function update(projectId: string, prompt: string): Promise<JobView> {
    const { job } = await call<{ job: JobView }>("POST", `/v1/projects/${projectId}/updates`, { prompt });
    const done = await finished(projectId, job.id);
    expect(done.status).toBe("succeeded");
    return done;
  }

  it("a stale head is handed off: the new session undoes a version it never saw, and the version records the choice and its cost", async () => {
    const created = await call<{ project: { id: string }; job: JobView }>("POST", "/v1/projects", { name: "policy-e2e", prompt: "create notes.ts with export const title = 1;" });
    const projectId = created.project.id;
    expect((await finished(projectId, created.job.id)).status).toBe("succeeded");
    await update(projectId, "append to notes.ts: export const alpha = 2;");
    expect(await workspaceFile(projectId, "notes.ts")).toBe("export const title = 1;\nexport const alpha = 2;\n");

    const undo = await update(projectId, "undo version 2");
    expect(undo.resume?.decision).toBe("fresh");
    expect(undo.resume?.reason).toMatch(/^fresh with handoff: stale: last used \d+ (s|min) ago \(limit 0 s\); predicted \$\d\.\d+ vs \$\d\.\d+ fresh/);
    expect(await workspaceFile(projectId, "notes.ts")).toBe("export const title = 1;\n");

    const { versions } = await call<{ versions: VersionView[] }>("GET", `/v1/projects/${projectId}/versions`);
    const v3 = versions.find((v) => v.versionNumber === 3);
    expect(v3?.policy).toMatchObject({ choice: "handoff", cacheTtl: expect.stringMatching(/^(5m|1h)$/) });
    expect(v3?.policy?.predictions.filter((p) => p.allowed).map((p) => p.option)).toEqual(["handoff", "fresh"]);
    // The actual is the engine's bill for the update and metadata steps; the prediction is near it.
    expect(v3?.policy?.actualCostUsd).toBeGreaterThan(0);
    const error = Math.abs((v3?.policy?.predictedCostUsd ?? 0) - (v3?.policy?.actualCostUsd ?? 0)) / (v3?.policy?.actualCostUsd ?? 1);
    expect(error).toBeLessThan(0.5);
  }, 300_000);
});

describe("the version log through the real engine (SESSION_POLICY=never: plain new sessions, no handoff)", () => {
  // Seed 7: the simulator's draw for the undo below succeeds (LOG_RESOLVE_RATE, docs/simulator.md).
  useStack({ SESSION_POLICY: "never" }, 7);

  it("a new session undoes a version it never saw by reading .session-chain/versions.md, which never becomes project content", async () => {
    const created = await call<{ project: { id: string }; job: JobView }>("POST", "/v1/projects", { name: "version-log", prompt: "create notes.txt with one" });
    const projectId = created.project.id;
    expect((await finished(projectId, created.job.id)).status).toBe("succeeded");
    const u1 = await call<{ job: JobView }>("POST", `/v1/projects/${projectId}/updates`, { prompt: "append to notes.txt: two" });
    expect((await finished(projectId, u1.job.id)).status).toBe("succeeded");
    expect(await workspaceFile(projectId, "notes.txt")).toBe("one\ntwo\n");

    const since = (await simRequests()).at(-1)?.seq ?? 0;
    const u2 = await call<{ job: JobView }>("POST", `/v1/projects/${projectId}/updates`, { prompt: "undo version 2" });
    const v3 = await finished(projectId, u2.job.id);
    expect(v3.status).toBe("succeeded");
    expect(v3.resume?.decision).toBe("fresh");
    expect(await workspaceFile(projectId, "notes.txt")).toBe("one\n");
    const requests = (await simRequests()).filter((r) => r.seq > since && r.kind === "turn");
    // The exact prompt: the sentence about the log, then the labelled request.
    expect(requests[0]?.userPrompts).toEqual([`${VERSION_LOG_NOTE}\n\nRequest for version 3:\nundo version 2`]);
    const reads = requests.flatMap((r) => r.toolCalls).filter((c) => c.name === "Read").map((c) => c.target ?? "");
    expect(reads[0]).toMatch(/\/\.session-chain\/versions\.md$/);
    expect(reads.some((t) => t.endsWith("/notes.txt"))).toBe(true);
    expect(await workspaceFile(projectId, VERSION_LOG_PATH)).toBeNull();
    // What the product keeps of the version: the project's file only.
    const { versions } = await call<{ versions: VersionView[] }>("GET", `/v1/projects/${projectId}/versions`);
    expect(JSON.stringify(versions.find((v) => v.versionNumber === 3))).not.toContain(".session-chain");
  }, 300_000);
});
