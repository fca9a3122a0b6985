import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { calls, fake, newUser, postUpdate, readyProject, waitForJob } from "./helpers.ts";

describe("runner container loss", () => {
  it("R2 keeps the transcript and workspace; a wiped runner is rehydrated and the update still resumes", async () => {
    const user = newUser();
    const { projectId, headSessionId } = await readyProject(user);
    // Stored whole or as a delta from the session it resumed (src/artifacts/transcripts.ts).
    const key = `projects/${projectId}/transcripts/${headSessionId}`;
    expect((await env.ARTIFACTS.head(`${key}.jsonl`)) ?? (await env.ARTIFACTS.head(`${key}.delta`))).not.toBeNull();
    const filesBefore = (await calls(projectId)).files;
    expect(Object.keys(filesBefore).length).toBeGreaterThan(0);

    await fake(projectId, "wipe", {}); // the container slept: its disk is gone
    const done = await waitForJob(user, projectId, (await postUpdate(user, projectId, "after the wipe")).jobId);
    expect(done.status).toBe("succeeded");
    expect(done.resume).toEqual({ decision: "resume", reason: "resumable" });
    expect(done.sessionIdIn).toBe(headSessionId);
    const after = await calls(projectId);
    expect(after.calls.find((c) => c.operation === "update")?.outcome).toBe("ok");
    for (const [path, content] of Object.entries(filesBefore)) expect(after.files[path]).toBe(content);
  });
});
