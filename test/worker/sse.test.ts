import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createProject, newUser, token, waitForJob } from "./helpers.ts";

interface SseEvent {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

async function readEvents(user: string, path: string, lastEventId?: number): Promise<{ status: number; type: string | null; events: SseEvent[] }> {
  const headers = new Headers({ authorization: `Bearer ${await token(user)}` });
  if (lastEventId !== undefined) headers.set("last-event-id", String(lastEventId));
  const res = await exports.default.fetch(new Request(`http://api.test${path}`, { headers }));
  const text = await res.text(); // the stream ends once the job has finished
  const events: SseEvent[] = [];
  for (const block of text.split("\n\n")) {
    const fields = new Map<string, string>();
    for (const line of block.split("\n")) {
      const at = line.indexOf(":");
      if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1).trim());
    }
    const id = fields.get("id");
    if (id !== undefined) events.push({ id: Number(id), event: fields.get("event") ?? "", data: JSON.parse(fields.get("data") ?? "{}") as Record<string, unknown> });
  }
  return { status: res.status, type: res.headers.get("content-type"), events };
}

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
    expect(changes).toEqual(["build", "metadata", "compact"]);
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
