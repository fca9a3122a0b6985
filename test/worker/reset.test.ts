import { describe, expect, it } from "vitest";
import type { SessionView } from "../../src/domain/views.ts";
import { api, fake, job, newUser, postUpdate, readyProject, waitForJob } from "./helpers.ts";

async function session(user: string, projectId: string): Promise<SessionView> {
  return (await api("GET", `/v1/projects/${projectId}/session`, { user })).body as unknown as SessionView;
}

describe("a reset requested while a job runs", () => {
  it("is not cleared by that job: the next job starts fresh, and only then is the reset answered", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "delay", { ms: 800 });
    const running = await postUpdate(user, projectId, "a slow change");
    // Wait until the running job has taken its decision (it resumes), then reset.
    for (let i = 0; i < 200 && (await job(user, projectId, running.jobId)).resume === null; i++) await new Promise((r) => setTimeout(r, 25));
    const reset = await api("POST", `/v1/projects/${projectId}/session/reset`, { user });
    expect((reset.body as unknown as SessionView).resetPending).toBe(true);

    const done = await waitForJob(user, projectId, running.jobId);
    expect(done.status).toBe("succeeded");
    expect(done.resume?.decision).toBe("resume"); // decided before the reset
    expect((await session(user, projectId)).resetPending).toBe(true);

    await fake(projectId, "delay", { ms: 0 });
    const next = await waitForJob(user, projectId, (await postUpdate(user, projectId, "after the reset")).jobId);
    expect(next.resume?.reason).toMatch(/^reset_requested/);
    expect(next.sessionIdIn).toBeNull();
    expect((await session(user, projectId)).resetPending).toBe(false);
    const after = await waitForJob(user, projectId, (await postUpdate(user, projectId, "and then")).jobId);
    expect(after.resume).toEqual({ decision: "resume", reason: "resumable" });
  });
});
