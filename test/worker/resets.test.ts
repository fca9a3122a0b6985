import { describe, expect, it } from "vitest";
import { calls, fake, newUser, postUpdate, readyProject, waitForJob } from "./helpers.ts";

describe("every re-run of a step starts from the chain's tree", () => {
  it("a fresh run after a failed resume (fallback) does not build on the failed run's partial edits", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const before = (await calls(projectId)).files;
    // The resumed run half-edits the workspace, then the session turns out to be unusable.
    await fake(projectId, "failures", { failures: [{ operation: "update", resuming: true, code: "session_not_found", dirty: true, count: 1 }] });
    const done = await waitForJob(user, projectId, (await postUpdate(user, projectId, "fall back")).jobId);
    expect(done.status).toBe("succeeded");
    expect(done.resume?.reason).toBe("fallback:session_not_found");
    const log = await calls(projectId);
    expect(log.calls.filter((c) => c.operation === "update").map((c) => [c.resumeSessionId === null ? "fresh" : "resume", c.outcome])).toEqual([["resume", "session_not_found"], ["fresh", "ok"]]);
    expect(log.files["src/half-done.txt"]).toBeUndefined();
    for (const [path, content] of Object.entries(before)) expect(log.files[path]).toBe(content);
  });
});
