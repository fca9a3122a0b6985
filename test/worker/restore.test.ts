import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SessionView, VersionView } from "../../src/domain/views.ts";
import { MemoryStore } from "../../src/do/storage/memory.ts";
import { accepted, api, calls, fake, newUser, postUpdate, projectStub, readyProject, waitForJob } from "./helpers.ts";

async function versions(user: string, projectId: string, path = "versions"): Promise<VersionView[]> {
  return ((await api("GET", `/v1/projects/${projectId}/${path}?limit=100`, { user })).body["versions"] as VersionView[]);
}

async function session(user: string, projectId: string): Promise<SessionView> {
  return (await api("GET", `/v1/projects/${projectId}/session?limit=100`, { user })).body as unknown as SessionView;
}

async function pointer(projectId: string, n: number): Promise<{ treeHash: string; sessionId: string }> {
  const object = await env.ARTIFACTS.get(`projects/${projectId}/versions/${String(n).padStart(6, "0")}.json`);
  return (await object?.json()) as { treeHash: string; sessionId: string };
}

async function transcriptText(workspaceId: string, sessionId: string): Promise<string> {
  const res = await fetch(`${env.RUNNER_URL}/v1/workspaces/${workspaceId}/sessions/${sessionId}/transcript`);
  expect(res.status).toBe(200);
  return new TextDecoder().decode(await res.arrayBuffer());
}

/** A project with versions 1 (create) to 5 (four updates "update two" … "update five"). */
async function fiveVersions(user: string): Promise<string> {
  const { projectId } = await readyProject(user);
  for (const word of ["two", "three", "four", "five"]) {
    expect((await waitForJob(user, projectId, (await postUpdate(user, projectId, `update ${word}`)).jobId)).status).toBe("succeeded");
  }
  return projectId;
}

describe("restore a version", () => {
  it("restoring v2 after v5: v2's exact files, a fork of v2's final session, audited; the next update resumes it knowing nothing of v3–v5", async () => {
    const user = newUser();
    const projectId = await fiveVersions(user);
    const v2 = await pointer(projectId, 2);

    const res = await api("POST", `/v1/projects/${projectId}/versions/2/restore`, { user });
    expect(res.status).toBe(202);
    expect(res.body["branch"]).toBe("main");
    const restore = accepted(res);
    expect(restore.versionNumber).toBe(6);
    const done = await waitForJob(user, projectId, restore.jobId);
    expect(done.status).toBe("succeeded");
    expect(done.kind).toBe("restore");
    expect(done.sessionIdIn).toBe(v2.sessionId);

    // The files are v2's, hash for hash, and the runner made no model call for it.
    const tree = await fake(projectId, "tree");
    expect(tree["treeHash"]).toBe(v2.treeHash);
    expect((await pointer(projectId, 6)).treeHash).toBe(v2.treeHash);
    const seen = await calls(projectId);
    expect(Object.keys(seen.files).sort()).toEqual(["src/build-1.txt", "src/update-1.txt"]);
    expect(seen.calls.filter((c) => c.versionNumber === 6)).toEqual([]);

    // Audited: the version says what it restored, the chain has a `restored` link forking v2's session.
    const v6 = (await versions(user, projectId)).find((v) => v.versionNumber === 6);
    expect(v6).toMatchObject({ kind: "restore", restoredFrom: 2, branch: "main", status: "succeeded", resumeDecision: "resume" });
    const chain = await session(user, projectId);
    const link = chain.history.at(-1);
    expect(link).toMatchObject({ relation: "restored", operation: "restore", parentSessionId: v2.sessionId, versionNumber: 6 });
    expect(chain.headSessionId).toBe(link?.sessionId);
    expect(v6?.aiSessionId).toBe(link?.sessionId);

    // The project's memory (what a handoff to a new session would tell) forgot v3–v5 too.
    const remembered = await runInDurableObject(projectStub(projectId), (_instance, state) =>
      new MemoryStore(state.storage.sql).recentUpdates().map((u) => `${u.versionNumber}:${u.kind}`));
    expect(remembered).toEqual(["1:create", "2:update", "6:restore"]);

    // The next update resumes the fork: its history holds v2's work and none of v3–v5's.
    const next = await waitForJob(user, projectId, (await postUpdate(user, projectId, "update seven")).jobId);
    expect(next.status).toBe("succeeded");
    expect(next.resume?.decision).toBe("resume");
    expect(next.sessionIdIn).toBe(link?.sessionId);
    const updateRun = (await calls(projectId)).calls.find((c) => c.versionNumber === 7 && c.operation === "update");
    const history = await transcriptText(projectId, updateRun?.sessionIdOut ?? "");
    expect(history).toContain("update two");
    for (const later of ["update three", "update four", "update five"]) expect(history).not.toContain(later);
    expect(history).toContain("update seven");
  });

  it("a restore on a runner that lost its disk rebuilds v2's session from R2 deltas and forks it", async () => {
    const user = newUser();
    const projectId = await fiveVersions(user);
    const v2 = await pointer(projectId, 2);
    await fake(projectId, "wipe", {});
    const restore = accepted(await api("POST", `/v1/projects/${projectId}/versions/2/restore`, { user }));
    expect((await waitForJob(user, projectId, restore.jobId)).status).toBe("succeeded");
    const seen = await fake(projectId, "calls");
    expect((seen["forks"] as { from: string }[]).map((f) => f.from)).toEqual([v2.sessionId]);
    expect(seen["transcriptImports"] as string[]).toContain(v2.sessionId);
    expect((await fake(projectId, "tree"))["treeHash"]).toBe(v2.treeHash);
  });

  it("bad restores: 404 for a version that does not exist, 409 for one that failed, 400 for a malformed number; nothing is queued", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "failures", { failures: [{ operation: "update", code: "internal", retryable: false }] });
    const failed = await waitForJob(user, projectId, (await postUpdate(user, projectId, "this one fails")).jobId);
    expect(failed.status).toBe("failed");

    const missing = await api("POST", `/v1/projects/${projectId}/versions/9/restore`, { user });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: "not_found", message: "version 9 does not exist" } });
    const conflict = await api("POST", `/v1/projects/${projectId}/versions/2/restore`, { user });
    expect(conflict.status).toBe(409);
    expect((conflict.body["error"] as { message: string }).message).toMatch(/^version 2 failed .*cannot be restored/);
    const malformed = await api("POST", `/v1/projects/${projectId}/versions/two/restore`, { user });
    expect(malformed.status).toBe(400);
    expect((malformed.body["error"] as { message: string }).message).toMatch(/^n: /);
    const stranger = await api("POST", `/v1/projects/${projectId}/versions/1/restore`, { user: newUser() });
    expect(stranger.status).toBe(404);
    expect((await versions(user, projectId)).map((v) => v.versionNumber)).toEqual([1, 2]);
  });

  it("the same Idempotency-Key restores once", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const headers = { "idempotency-key": `restore-${crypto.randomUUID()}` };
    const first = await api("POST", `/v1/projects/${projectId}/versions/1/restore`, { user, headers });
    const again = await api("POST", `/v1/projects/${projectId}/versions/1/restore`, { user, headers });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(accepted(again).jobId).toBe(accepted(first).jobId);
    expect((await waitForJob(user, projectId, accepted(first).jobId)).status).toBe("succeeded");
  });

  it("a version whose job row was pruned before the version table existed is restored from its R2 pointer", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    expect((await waitForJob(user, projectId, (await postUpdate(user, projectId, "update two")).jobId)).status).toBe("succeeded");
    await runInDurableObject(projectStub(projectId), (_instance, state) => {
      state.storage.sql.exec("DELETE FROM versions WHERE number = 1");
    });
    const v1 = await pointer(projectId, 1);
    const restore = accepted(await api("POST", `/v1/projects/${projectId}/versions/1/restore`, { user }));
    const done = await waitForJob(user, projectId, restore.jobId);
    expect(done).toMatchObject({ status: "succeeded", sessionIdIn: v1.sessionId });
    expect((await fake(projectId, "tree"))["treeHash"]).toBe(v1.treeHash);
  });
});
