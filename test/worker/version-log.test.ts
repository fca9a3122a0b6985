// The version log from the Durable Object's side: every update carries the project's earlier
// versions (from the project memory in DO SQLite), a resumed one too, since its head may not
// have seen work other sessions did; the handoff stays with new sessions.
import { describe, expect, it } from "vitest";
import { api, calls, newUser, readyProject, updateSucceeded } from "./helpers.ts";


describe("the version log a new session gets", () => {
  it("every update carries each earlier version with its request and changed paths, a resumed one too", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await updateSucceeded(user, projectId, "add a footer");
    await api("PATCH", `/v1/projects/${projectId}`, { user, body: { sessionPolicy: "never" } });
    await updateSucceeded(user, projectId, "undo version 2");
    const updates = (await calls(projectId)).calls.filter((c) => c.operation === "update" || c.operation === "build");
    const [build, resumed, fresh] = updates;
    expect(build?.versionLog).toBeNull(); // nothing before version 1
    expect(resumed?.resumeSessionId).not.toBeNull();
    expect(resumed?.versionLog?.map((e) => e.versionNumber)).toEqual([1]);
    expect(resumed?.handoff).toBeNull();
    expect(fresh?.resumeSessionId).toBeNull();
    expect(fresh?.versionLog?.map((e) => [e.versionNumber, e.kind, e.outcome, e.request, e.requestTruncated])).toEqual([
      [1, "create", "succeeded", "build a todo app", false],
      [2, "update", "succeeded", "add a footer", false],
    ]);
    expect(fresh?.versionLog?.every((e) => Array.isArray(e.changedPaths) && e.morePaths === 0)).toBe(true);
  });
});
