// Restores and branches end to end through the real Claude Code engine: the Worker under
// wrangler dev, the ProjectDOs (one per branch), Postgres, R2, the runner and the model
// simulator. A restore brings back a version's files and conversation together; branches
// keep workspaces and sessions of their own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TreeManifest } from "../../container/src/protocol.ts";
import type { RequestLogEntry } from "../../scripts/simulator/server.ts";
import { startStack } from "../../scripts/stack.ts";
import type { Stack } from "../../scripts/stack.ts";
import type { JobView, SessionView, VersionView } from "../../src/domain/views.ts";
import { apiCall, jobFinished, signBearer } from "../support/stack-api.ts";

let stack: Stack;
let bearer: string;

beforeAll(async () => {
  // The mechanics run under SESSION_POLICY=always (resume whenever allowed), as the other
  // end-to-end tests do: the economic policy may start a handoff instead, which is its own test.
  stack = await startStack({ latencyScale: 0, database: "postgres", vars: { COMPACTION_POLICY: "never", SESSION_POLICY: "always" } });
  bearer = await signBearer(stack, "branches-e2e");
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  return apiCall<T>(stack, bearer, method, path, body);
}

/** Waits for a job of `branch` (main: the project's own routes). */
function finished(projectId: string, jobId: string, branch = "main"): Promise<JobView> {
  const base = branch === "main" ? `/v1/projects/${projectId}` : `/v1/projects/${projectId}/branches/${branch}`;
  return jobFinished(() => call<JobView>("GET", `${base}/jobs/${jobId}`), 180_000);
}

async function update(projectId: string, prompt: string, branch = "main"): Promise<JobView> {
  const path = branch === "main" ? `/v1/projects/${projectId}/updates` : `/v1/projects/${projectId}/branches/${branch}/updates`;
  const accepted = await call<{ job: JobView }>("POST", path, { prompt });
  return accepted.job;
}

async function workspace(workspaceId: string): Promise<{ treeHash: string; file: (path: string) => Promise<string | null> }> {
  const tree = TreeManifest.parse(await (await fetch(`${stack.runnerUrl}/v1/workspaces/${workspaceId}/tree`)).json());
  return {
    treeHash: tree.treeHash,
    file: async (path) => {
      const entry = tree.files.find((f) => f.path === path);
      return entry === undefined ? null : (await fetch(`${stack.runnerUrl}/v1/workspaces/${workspaceId}/blobs/${entry.sha256}`)).text();
    },
  };
}

async function simRequests(): Promise<RequestLogEntry[]> {
  return ((await (await fetch(`${stack.simulatorUrl ?? ""}/__sim/requests`)).json()) as { requests: RequestLogEntry[] }).requests;
}

const TODO = "notes/todo.md";

describe("restores and branches through the real Claude Code engine", () => {
  it("restore v2 after v3: v2's files, and the resumed model knows v2's request and not v3's; then two branches run apart", async () => {
    const created = await call<{ project: { id: string }; job: JobView }>("POST", "/v1/projects", { name: "restore-e2e", prompt: "create notes/todo.md with # Todo" });
    const projectId = created.project.id;
    expect((await finished(projectId, created.job.id)).status).toBe("succeeded");
    expect((await finished(projectId, (await update(projectId, "append to notes/todo.md: - two")).id)).status).toBe("succeeded");
    const v2Tree = (await workspace(projectId)).treeHash;
    expect((await finished(projectId, (await update(projectId, "append to notes/todo.md: - three")).id)).status).toBe("succeeded");
    expect(await (await workspace(projectId)).file(TODO)).toBe("# Todo\n- two\n- three\n");

    // Restore version 2 (v4): its files exactly, and a fork of its session.
    const restore = await call<{ job: JobView; branch: string }>("POST", `/v1/projects/${projectId}/versions/2/restore`);
    const restored = await finished(projectId, restore.job.id);
    expect(restored.status).toBe("succeeded");
    expect((await workspace(projectId)).treeHash).toBe(v2Tree);
    expect(await (await workspace(projectId)).file(TODO)).toBe("# Todo\n- two\n");
    const chain = await call<SessionView>("GET", `/v1/projects/${projectId}/session?limit=100`);
    const { versions } = await call<{ versions: VersionView[] }>("GET", `/v1/projects/${projectId}/versions`);
    expect(chain.history.at(-1)).toMatchObject({ relation: "restored", parentSessionId: versions[1]?.aiSessionId, versionNumber: 4 });
    expect(versions[3]).toMatchObject({ kind: "restore", restoredFrom: 2 });

    // v5 resumes the fork: the model can undo version 2 (its request is in context) and
    // cannot undo version 3 (never in this conversation), so the file ends as v1's.
    const v5 = await finished(projectId, (await update(projectId, "undo version 3")).id);
    expect(v5).toMatchObject({ status: "succeeded", sessionIdIn: restored.sessionIdOut, resume: { decision: "resume" } });
    expect(await (await workspace(projectId)).file(TODO)).toBe("# Todo\n- two\n");
    const v6 = await finished(projectId, (await update(projectId, "undo version 2")).id);
    expect(v6.status).toBe("succeeded");
    expect(await (await workspace(projectId)).file(TODO)).toBe("# Todo\n");
    const resumed = (await simRequests()).filter((r) => r.userPrompts.some((p) => p.includes("undo version 3")));
    expect(resumed.length).toBeGreaterThan(0);
    for (const request of resumed) {
      expect(request.userPrompts.some((p) => p.includes("- two"))).toBe(true);
      expect(request.userPrompts.some((p) => p.includes("- three"))).toBe(false);
    }

    // Two branches from version 2, updated at the same time: each its own workspace and chain.
    const left = await call<{ job: JobView }>("POST", `/v1/projects/${projectId}/branches`, { name: "left", fromVersion: 2 });
    const right = await call<{ job: JobView }>("POST", `/v1/projects/${projectId}/branches`, { name: "right", fromVersion: 2 });
    expect((await finished(projectId, left.job.id, "left")).status).toBe("succeeded");
    expect((await finished(projectId, right.job.id, "right")).status).toBe("succeeded");
    const [leftJob, rightJob] = await Promise.all([update(projectId, "append to notes/todo.md: - left", "left"), update(projectId, "append to notes/todo.md: - right", "right")]);
    const [leftDone, rightDone] = await Promise.all([finished(projectId, leftJob.id, "left"), finished(projectId, rightJob.id, "right")]);
    expect([leftDone.status, rightDone.status]).toEqual(["succeeded", "succeeded"]);
    expect(leftDone.resume?.decision).toBe("resume");
    expect(await (await workspace(`${projectId}-left`)).file(TODO)).toBe("# Todo\n- two\n- left\n");
    expect(await (await workspace(`${projectId}-right`)).file(TODO)).toBe("# Todo\n- two\n- right\n");
    expect(await (await workspace(projectId)).file(TODO)).toBe("# Todo\n");
    const leftRequests = (await simRequests()).filter((r) => r.userPrompts.some((p) => p.includes("- left")));
    expect(leftRequests.some((r) => r.userPrompts.some((p) => p.includes("- right") || p.includes("undo version")))).toBe(false);
    const leftChain = await call<SessionView>("GET", `/v1/projects/${projectId}/branches/left/session`);
    const rightChain = await call<SessionView>("GET", `/v1/projects/${projectId}/branches/right/session`);
    expect(leftChain.history[0]).toMatchObject({ relation: "branched", parentSessionId: versions[1]?.aiSessionId });
    expect(leftChain.history.some((l) => rightChain.history.some((r) => r.sessionId === l.sessionId))).toBe(false);
  }, 600_000);

  it("under the economic policy too, whatever it chooses after a restore (resume or a handoff), the next update knows nothing after the restored version", async () => {
    const created = await call<{ project: { id: string }; job: JobView }>("POST", "/v1/projects", { name: "restore-economic", prompt: "create notes/list.md with # List\ncreate notes/other.md with # Other" });
    const projectId = created.project.id;
    await call("PATCH", `/v1/projects/${projectId}`, { sessionPolicy: "economic" });
    expect((await finished(projectId, created.job.id)).status).toBe("succeeded");
    expect((await finished(projectId, (await update(projectId, "append to notes/list.md: - kept")).id)).status).toBe("succeeded");
    expect((await finished(projectId, (await update(projectId, "append to notes/list.md: - dropped")).id)).status).toBe("succeeded");
    const restore = await call<{ job: JobView }>("POST", `/v1/projects/${projectId}/versions/2/restore`);
    expect((await finished(projectId, restore.job.id)).status).toBe("succeeded");
    // "The most recent edit to notes/list.md" the next session knows of: v2's if it knows
    // nothing after v2, v3's if the restored conversation (or a handoff) still told it of v3.
    const next = await finished(projectId, (await update(projectId, "make the same edit you made to notes/list.md in notes/other.md")).id);
    expect(next.status).toBe("succeeded");
    expect(await (await workspace(projectId)).file("notes/other.md")).toBe("# Other\n- kept\n");
    expect(await (await workspace(projectId)).file("notes/list.md")).toBe("# List\n- kept\n");
  }, 600_000);
});
