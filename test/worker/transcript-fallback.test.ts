// The Durable Object's side of the transcript check: a transcript the runner refuses
// (transcript_invalid) makes the step start a new session WITH the handoff (not plain fresh),
// marks the session non-resumable and audits what the check found; a transcript the runner
// repaired is audited as such.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sessionResumeAttempts } from "../../src/db/schema.ts";
import { calls, db, fake, newUser, postUpdate, readEvents, readyProject, waitForJob } from "./helpers.ts";

const FINDINGS = [
  { kind: "broken_chain", line: 14, detail: "parentUuid 0f0f0f0f-0000-4000-8000-000000000000 is not in the transcript", repairable: false },
  { kind: "dangling_tool_use", line: 9, detail: "tool_use toolu_1 is not answered before the conversation goes on", repairable: false },
];

describe("transcript_invalid", () => {
  it("falls back to a new session with the handoff, audited with the findings; the refused session is not resumed again", async () => {
    const user = newUser();
    const { projectId, headSessionId } = await readyProject(user);
    await fake(projectId, "failures", { failures: [{ operation: "update", resuming: true, findings: FINDINGS }] });
    const { jobId } = await postUpdate(user, projectId, "add a footer");
    const done = await waitForJob(user, projectId, jobId);
    expect(done.status).toBe("succeeded");
    expect(done.resume).toEqual({ decision: "fresh", reason: "fallback:transcript_invalid" });

    const updates = (await calls(projectId)).calls.filter((c) => c.operation === "update");
    expect(updates.map((c) => [c.resumeSessionId, c.outcome])).toEqual([[headSessionId, "transcript_invalid"], [null, "ok"]]);
    // The new session is told what the product knows: the build's request under its label.
    expect(updates[1]?.handoff).toContain("Request for version 1:");
    expect(updates[1]?.handoff).toContain("build a todo app");

    const [row] = await db((d) => d.select().from(sessionResumeAttempts).where(eq(sessionResumeAttempts.versionId, done.versionId)).orderBy(sessionResumeAttempts.id));
    expect(row).toMatchObject({ outcome: "corrupted", requestedSessionId: headSessionId });
    expect(row?.reason).toBe("transcript_invalid: update: broken_chain at line 14, dangling_tool_use at line 9; session marked non-resumable");
    expect(JSON.parse(row?.errorText ?? "[]")).toEqual(FINDINGS);

    const { events } = await readEvents(user, `/v1/projects/${projectId}/jobs/${jobId}/events`);
    expect(events.find((e) => e.event === "fallback")?.data).toMatchObject({ reason: "transcript_invalid", handoff: true, findings: FINDINGS });

    // The next update resumes the new head, never the refused session.
    const next = await waitForJob(user, projectId, (await postUpdate(user, projectId, "add a header")).jobId);
    expect(next.resume).toEqual({ decision: "resume", reason: "resumable" });
    expect(next.sessionIdIn).toBe(done.sessionIdOut);
  });
});

describe("a transcript repaired by the runner", () => {
  it("is resumed (into the copy's session) and the audit says what was repaired", async () => {
    const user = newUser();
    const { projectId, headSessionId } = await readyProject(user);
    const repaired = [{ kind: "dangling_tool_use", line: 9, detail: "tool_use toolu_1 of the last turn has no tool_result (interrupted)", repairable: true }];
    await fake(projectId, "repair", { sessionId: headSessionId, findings: repaired });
    const done = await waitForJob(user, projectId, (await postUpdate(user, projectId, "add a footer")).jobId);
    expect(done.resume).toEqual({ decision: "resume", reason: "resumable" });
    const update = (await calls(projectId)).calls.find((c) => c.operation === "update");
    const [row] = await db((d) => d.select().from(sessionResumeAttempts).where(eq(sessionResumeAttempts.versionId, done.versionId)).orderBy(sessionResumeAttempts.id));
    expect(row).toMatchObject({ outcome: "forked", requestedSessionId: headSessionId, returnedSessionId: update?.sessionIdOut });
    expect(row?.reason).toBe(`update: resumed into a new session id (fork); transcript repaired on a copy (${update?.sessionIdOut ?? ""}): dangling_tool_use at line 9`);
  });
});
