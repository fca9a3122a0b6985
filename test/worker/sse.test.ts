import { describe, expect, it } from "vitest";
import { createProject, newUser, readEvents, waitForJob } from "./helpers.ts";

describe("job events over SSE", () => {
  it("streams the job's progress to the end, and replays from Last-Event-ID", async () => {
    const user = newUser();
    const { projectId, jobId } = await createProject(user);
    const path = `/v1/projects/${projectId}/jobs/${jobId}/events`;
    const live = await readEvents(user, path);
    expect(live.status).toBe(200);
    expect(live.type).toMatch(/text\/event-stream/);
    const types = live.events.map((e) => e.event);
    expect(types[0]).toBe("queued");
    expect(types).toEqual(expect.arrayContaining(["running", "decision", "step_started", "progress", "session_changed", "step_finished"]));
    expect(types.at(-1)).toBe("succeeded");
    const changes = live.events.filter((e) => e.event === "session_changed").map((e) => e.data["step"]);
    // The lean metadata step runs off the chain: the head never becomes its session.
    expect(changes).toEqual(["build", "compact"]);
    const ids = live.events.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);

    const cut = live.events[4]?.id ?? 0;
    const replay = await readEvents(user, path, cut);
    expect(replay.events.map((e) => e.id)).toEqual(ids.filter((id) => id > cut));
    expect(replay.events.at(-1)?.event).toBe("succeeded");
    await waitForJob(user, projectId, jobId);
    const afterEnd = await readEvents(user, path, ids.at(-1));
    expect(afterEnd.events).toEqual([]);
  });
});
