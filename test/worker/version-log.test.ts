// The version log from the Durable Object's side: a build or update that starts a new
// session carries the project's earlier versions (from the project memory in DO SQLite);
// a resumed session, which holds its history, carries none.
import { describe, expect, it } from "vitest";
import { api, calls, newUser, postUpdate, readyProject, waitForJob } from "./helpers.ts";

async function update(user: string, projectId: string, prompt: string): Promise<void> {
  const job = await waitForJob(user, projectId, (await postUpdate(user, projectId, prompt)).jobId);
  expect(job.status).toBe("succeeded");
}

describe("the version log a new session gets", () => {
  it("a new session's update carries every earlier version with its request and changed paths; a resumed one none", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await update(user, projectId, "add a footer");
    await api("PATCH", `/v1/projects/${projectId}`, { user, body: { sessionPolicy: "never" } });
    await update(user, projectId, "undo version 2");
    const updates = (await calls(projectId)).calls.filter((c) => c.operation === "update" || c.operation === "build");
    const [build, resumed, fresh] = updates;
    expect(build?.versionLog).toBeNull(); // nothing before version 1
    expect(resumed?.resumeSessionId).not.toBeNull();
    expect(resumed?.versionLog).toBeNull();
    expect(fresh?.resumeSessionId).toBeNull();
    expect(fresh?.versionLog?.map((e) => [e.versionNumber, e.kind, e.outcome, e.request, e.requestTruncated])).toEqual([
      [1, "create", "succeeded", "build a todo app", false],
      [2, "update", "succeeded", "add a footer", false],
    ]);
    expect(fresh?.versionLog?.every((e) => Array.isArray(e.changedPaths) && e.morePaths === 0)).toBe(true);
  });
});
