import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { projectAiSessionMetrics, projectVersions, sessionResumeAttempts } from "../../src/db/schema.ts";
import type { SessionView } from "../../src/domain/views.ts";
import { api, calls, createProject, db, fake, postUpdate, waitForJob } from "./helpers.ts";

describe("session chain", () => {
  it("stores build → metadata → compact as the version's session, and the next update resumes exactly that id", async () => {
    const user = `u-${crypto.randomUUID()}`;
    const created = await createProject(user);
    const first = await waitForJob(user, created.projectId, created.jobId);
    expect(first.status).toBe("succeeded");

    const afterCreate = (await calls(created.projectId)).calls;
    expect(afterCreate.map((c) => c.operation)).toEqual(["build", "metadata", "compact"]);
    expect(afterCreate[0]?.resumeSessionId).toBeNull();
    // each step resumes the id the previous one returned
    expect(afterCreate[1]?.resumeSessionId).toBe(afterCreate[0]?.sessionIdOut);
    expect(afterCreate[2]?.resumeSessionId).toBe(afterCreate[1]?.sessionIdOut);
    const finalId = afterCreate[2]?.sessionIdOut;
    expect(finalId).toBeTruthy();
    expect(first.sessionIdOut).toBe(finalId);

    const v1 = await db((d) => d.select().from(projectVersions).where(eq(projectVersions.id, first.versionId)));
    expect(v1[0]?.aiSessionId).toBe(finalId);
    expect(v1[0]?.status).toBe("succeeded");
    expect(v1[0]?.documentation).toContain("# Project");
    expect(v1[0]?.recommendations).toEqual(["add tests"]);

    const update = await postUpdate(user, created.projectId, "add a dark mode");
    const second = await waitForJob(user, created.projectId, update.jobId);
    expect(second.status).toBe("succeeded");
    expect(second.resume).toEqual({ decision: "resume", reason: "resumable" });
    const updateCall = (await calls(created.projectId)).calls[3];
    expect(updateCall?.operation).toBe("update");
    expect(updateCall?.resumeSessionId).toBe(finalId);
    expect(updateCall?.forkSession).toBe(true);

    const metrics = await db((d) => d.select().from(projectAiSessionMetrics).where(eq(projectAiSessionMetrics.projectId, created.projectId)));
    expect(metrics.map((m) => m.operation).sort()).toEqual(["build", "compact", "compact", "metadata", "metadata", "update"]);
    const attempts = await db((d) => d.select().from(sessionResumeAttempts).where(eq(sessionResumeAttempts.versionId, second.versionId)));
    expect(attempts.map((a) => a.outcome)).toEqual(["forked", "forked", "forked"]);
    expect(attempts[0]?.requestedSessionId).toBe(finalId);

    const session = (await api("GET", `/v1/projects/${created.projectId}/session`, { user })).body as unknown as SessionView;
    expect(session.headSessionId).toBe(second.sessionIdOut);
    expect(session.history).toHaveLength(6);
    expect(session.history.map((h) => h.relation)).toEqual(["new", "forked", "forked", "forked", "forked", "forked"]);
    expect(session.resumable).toBe(true);

    const versions = (await api("GET", `/v1/projects/${created.projectId}/versions`, { user })).body["versions"] as { aiSessionId: string; versionNumber: number }[];
    expect(versions.map((v) => v.versionNumber)).toEqual([1, 2]);
    expect(versions[1]?.aiSessionId).toBe(second.sessionIdOut);
  });
});

describe("metadata and compaction failures", () => {
  it("a failed compaction leaves the head at the metadata step's id; the job succeeds with a warning", async () => {
    const user = `u-${crypto.randomUUID()}`;
    const created = await createProject(user);
    await waitForJob(user, created.projectId, created.jobId);
    await fake(created.projectId, "failures", { failures: [{ operation: "compact", code: "compact_failed" }] });
    const update = await postUpdate(user, created.projectId, "tweak");
    const done = await waitForJob(user, created.projectId, update.jobId);
    expect(done.status).toBe("succeeded");
    expect(done.warnings).toEqual(["compaction failed; the session is unchanged"]);
    const log = (await calls(created.projectId)).calls;
    const metadata = log.filter((c) => c.operation === "metadata").at(-1);
    expect(done.sessionIdOut).toBe(metadata?.sessionIdOut);
    const [version] = await db((d) => d.select().from(projectVersions).where(eq(projectVersions.id, done.versionId)));
    expect(version?.aiSessionId).toBe(metadata?.sessionIdOut);
    const audit = await db((d) => d.select().from(sessionResumeAttempts).where(eq(sessionResumeAttempts.versionId, done.versionId)));
    expect(audit.map((a) => a.outcome)).toEqual(["forked", "forked", "error"]);
  });

  it("a metadata step that fails for task reasons leaves a warning; the session stays resumable, compaction runs, the next update resumes", async () => {
    const user = `u-${crypto.randomUUID()}`;
    const created = await createProject(user);
    await waitForJob(user, created.projectId, created.jobId);
    await fake(created.projectId, "failures", { failures: [{ operation: "metadata", code: "internal", retryable: false }] });
    const done = await waitForJob(user, created.projectId, (await postUpdate(user, created.projectId, "tweak")).jobId);
    expect(done.status).toBe("succeeded");
    expect(done.warnings).toEqual(["metadata generation failed; the version has no recommendations or documentation"]);
    const log = (await calls(created.projectId)).calls;
    const update = log.find((c) => c.operation === "update");
    // metadata was tried once; compaction resumed the update's session
    expect(log.filter((c) => c.operation === "metadata").map((c) => c.outcome)).toEqual(["ok", "internal"]);
    expect(log.at(-1)).toMatchObject({ operation: "compact", resumeSessionId: update?.sessionIdOut });
    expect(done.sessionIdOut).toBe(log.at(-1)?.sessionIdOut);
    const next = await waitForJob(user, created.projectId, (await postUpdate(user, created.projectId, "again")).jobId);
    expect(next.resume).toEqual({ decision: "resume", reason: "resumable" });
    expect(next.sessionIdIn).toBe(done.sessionIdOut);
  });
});
