import { runInDurableObject } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { projectAiSessionMetrics, projectVersions, sessionResumeAttempts } from "../../src/db/schema.ts";
import type { SessionView } from "../../src/domain/views.ts";
import { api, calls, db, fake, newUser, postUpdate, projectStub, readyProject, waitForJob } from "./helpers.ts";

async function attempts(versionId: string) {
  return db((d) => d.select().from(sessionResumeAttempts).where(eq(sessionResumeAttempts.versionId, versionId)).orderBy(sessionResumeAttempts.id));
}

async function session(user: string, projectId: string): Promise<SessionView> {
  return (await api("GET", `/v1/projects/${projectId}/session`, { user })).body as unknown as SessionView;
}

describe("resume fallbacks", () => {
  it("session not found on the runner → a new session inside the same job, audited, failure count +1", async () => {
    const user = newUser();
    const { projectId, headSessionId } = await readyProject(user);
    await fake(projectId, "failures", { failures: [{ operation: "update", resuming: true, code: "session_not_found" }] });
    const { jobId } = await postUpdate(user, projectId, "add a footer");
    const done = await waitForJob(user, projectId, jobId);
    expect(done.status).toBe("succeeded");
    expect(done.resume).toEqual({ decision: "fresh", reason: "fallback:session_not_found" });
    const updates = (await calls(projectId)).calls.filter((c) => c.operation === "update");
    expect(updates.map((c) => c.resumeSessionId)).toEqual([headSessionId, null]);
    const audit = await attempts(done.versionId);
    expect(audit[0]).toMatchObject({ outcome: "not_found", requestedSessionId: headSessionId, userId: user });
    // The failure is counted on the chain and recorded with the operation that fell back.
    const [metric] = await db((d) => d.select().from(projectAiSessionMetrics).where(and(eq(projectAiSessionMetrics.versionId, done.versionId), eq(projectAiSessionMetrics.operation, "update"))));
    expect(metric?.resumeFailureCount).toBe(1);
    expect(metric?.sessionIdIn).toBeNull();
    const [version] = await db((d) => d.select().from(projectVersions).where(eq(projectVersions.id, done.versionId)));
    expect(version?.resumeDecision).toBe("fresh");
    expect(version?.aiSessionId).toBe(done.sessionIdOut);
  });

  it("a corrupted session is marked non-resumable and the update starts fresh", async () => {
    const user = newUser();
    const { projectId, headSessionId } = await readyProject(user);
    await fake(projectId, "corrupt", { sessionId: headSessionId });
    const { jobId } = await postUpdate(user, projectId, "rename the app");
    const done = await waitForJob(user, projectId, jobId);
    expect(done.status).toBe("succeeded");
    expect(done.resume?.reason).toBe("fallback:session_corrupted");
    const audit = await attempts(done.versionId);
    expect(audit[0]).toMatchObject({ outcome: "corrupted", requestedSessionId: headSessionId });
    // the new head (made fresh) is resumable again; the corrupted one is not resumed
    const updates = (await calls(projectId)).calls.filter((c) => c.operation === "update");
    expect(updates.map((c) => c.resumeSessionId)).toEqual([headSessionId, null]);
    expect((await session(user, projectId)).resumable).toBe(true);
  });

  it("a resumed update that fails for task reasons (turn limit) fails the job once; the session stays resumable", async () => {
    const user = newUser();
    const { projectId, headSessionId } = await readyProject(user);
    // `internal`, not retryable: what the runner reports for max turns or a refusal.
    await fake(projectId, "failures", { failures: [{ operation: "update", resuming: true, code: "internal", retryable: false }] });
    const failed = await waitForJob(user, projectId, (await postUpdate(user, projectId, "too big a task")).jobId);
    expect(failed.status).toBe("failed");
    expect(failed.error?.code).toBe("runner_internal");
    // One run: no second try on the same session, no fresh third run on the failed run's edits.
    const updates = (await calls(projectId)).calls.filter((c) => c.operation === "update");
    expect(updates.map((c) => [c.resumeSessionId, c.outcome])).toEqual([[headSessionId, "internal"]]);
    const audit = await attempts(failed.versionId);
    expect(audit.map((a) => a.outcome)).toEqual(["error"]);
    expect(audit[0]?.reason).toMatch(/the session stays resumable/);
    const chain = await session(user, projectId);
    expect(chain).toMatchObject({ headSessionId, resumable: true, failureCount: 0 });

    const next = await waitForJob(user, projectId, (await postUpdate(user, projectId, "a smaller task")).jobId);
    expect(next.status).toBe("succeeded");
    expect(next.resume).toEqual({ decision: "resume", reason: "resumable" });
    expect(next.sessionIdIn).toBe(headSessionId);
  });

  it("a stale session (last used more than 24 h ago) is not resumed", async () => {
    const user = newUser();
    const { projectId, headSessionId } = await readyProject(user);
    await runInDurableObject(projectStub(projectId), (_instance, state) => {
      state.storage.sql.exec("UPDATE chain SET head_last_used_at = ?", Date.now() - 25 * 3_600_000);
    });
    const { jobId } = await postUpdate(user, projectId, "add search");
    const done = await waitForJob(user, projectId, jobId);
    expect(done.resume?.decision).toBe("fresh");
    expect(done.resume?.reason).toMatch(/^stale: /);
    expect((await attempts(done.versionId))[0]).toMatchObject({ outcome: "stale", requestedSessionId: headSessionId });
    const update = (await calls(projectId)).calls.find((c) => c.operation === "update");
    expect(update?.resumeSessionId).toBeNull();
  });

  it("resume turned off for the project → fresh, audited as skipped; back on → resumes again", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    expect((await api("PATCH", `/v1/projects/${projectId}`, { user, body: { resumeEnabled: false } })).status).toBe(200);
    const off = await waitForJob(user, projectId, (await postUpdate(user, projectId, "one")).jobId);
    expect(off.resume?.reason).toMatch(/^project_override_off/);
    expect((await attempts(off.versionId))[0]?.outcome).toBe("skipped");
    expect((await api("PATCH", `/v1/projects/${projectId}`, { user, body: { resumeEnabled: null } })).status).toBe(200);
    const on = await waitForJob(user, projectId, (await postUpdate(user, projectId, "two")).jobId);
    expect(on.resume?.decision).toBe("resume");
    expect(on.sessionIdIn).toBe(off.sessionIdOut);
  });

  it("a major structural change of the workspace since the session was made → fresh", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    // Someone replaced the whole file tree (e.g. a re-import): the session's picture is wrong.
    await fake(projectId, "files", { files: { "app/main.py": "print(1)", "app/util.py": "x = 1", "README": "new" } });
    const done = await waitForJob(user, projectId, (await postUpdate(user, projectId, "fix bug")).jobId);
    expect(done.resume?.decision).toBe("fresh");
    expect(done.resume?.reason).toMatch(/^structural_change: /);
  });

  it("the owner's reset makes the next update start fresh, audited", async () => {
    const user = newUser();
    const { projectId, headSessionId } = await readyProject(user);
    const reset = await api("POST", `/v1/projects/${projectId}/session/reset`, { user });
    expect(reset.status).toBe(200);
    expect((reset.body as unknown as SessionView).resetPending).toBe(true);
    const done = await waitForJob(user, projectId, (await postUpdate(user, projectId, "start over")).jobId);
    expect(done.resume?.reason).toMatch(/^reset_requested/);
    const audit = await db((d) => d.select().from(sessionResumeAttempts).where(and(eq(sessionResumeAttempts.projectId, projectId), eq(sessionResumeAttempts.requestedSessionId, headSessionId))));
    expect(audit.map((a) => a.outcome)).toEqual(["skipped", "skipped"]);
    expect((await session(user, projectId)).resetPending).toBe(false);
  });

  it("refuses to resume a session id that is not the project's own (security_violation) and starts fresh", async () => {
    const user = newUser();
    const victim = await readyProject(newUser());
    const { projectId } = await readyProject(user);
    // A tampered chain: the head points at another project's session.
    await runInDurableObject(projectStub(projectId), (_instance, state) => {
      state.storage.sql.exec("UPDATE chain SET head_session_id = ?", victim.headSessionId);
    });
    const done = await waitForJob(user, projectId, (await postUpdate(user, projectId, "steal")).jobId);
    expect(done.resume?.reason).toBe("fallback:security_violation");
    expect((await attempts(done.versionId))[0]).toMatchObject({ outcome: "security_violation", requestedSessionId: victim.headSessionId });
    expect((await calls(projectId)).calls.filter((c) => c.operation === "update").map((c) => c.resumeSessionId)).toEqual([null]);

    // Even when the id is slipped into the chain history, Postgres has the last word.
    await runInDurableObject(projectStub(projectId), (_instance, state) => {
      state.storage.sql.exec("UPDATE chain SET head_session_id = ?", victim.headSessionId);
      state.storage.sql.exec("INSERT INTO chain_history (session_id, version_number, operation, relation, at) VALUES (?, 2, 'update', 'new', ?)", victim.headSessionId, Date.now());
    });
    const again = await waitForJob(user, projectId, (await postUpdate(user, projectId, "steal again")).jobId);
    expect(again.resume?.reason).toBe("fallback:security_violation");
    expect((await attempts(again.versionId))[0]?.reason).toMatch(/Postgres/);
  });
});
