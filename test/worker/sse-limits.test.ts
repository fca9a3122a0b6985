import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/router/app.ts";
import { createProject, fake, newUser, postUpdate, readyProject, token, waitForJob } from "./helpers.ts";

interface SseEvent {
  id: number;
  event: string;
}

function parse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split("\n\n")) {
    const id = /^id: (\d+)$/m.exec(block)?.[1];
    const event = /^event: (.+)$/m.exec(block)?.[1];
    if (id !== undefined) events.push({ id: Number(id), event: event ?? "" });
  }
  return events;
}

/** The events route through the Worker's own fetch, with some vars changed. */
async function open(vars: Partial<Env>, user: string, path: string, lastEventId?: number): Promise<Response> {
  const headers = new Headers({ authorization: `Bearer ${await token(user)}` });
  if (lastEventId !== undefined) headers.set("last-event-id", String(lastEventId));
  return app.fetch(new Request(`http://api.test${path}`, { headers }), { ...env, ...vars }, createExecutionContext());
}

describe("SSE streams are bounded", () => {
  it("a stream ends after SSE_MAX_STREAM_SECONDS; reconnecting with Last-Event-ID continues exactly where it ended", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "delay", { ms: 1500 }); // three steps: the job outlives several streams
    const { jobId } = await postUpdate(user, projectId, "a long change");
    const path = `/v1/projects/${projectId}/jobs/${jobId}/events`;
    const vars = { SSE_MAX_STREAM_SECONDS: "1" };

    const first = await open(vars, user, path);
    expect(first.status).toBe(200);
    const firstEvents = parse(await first.text()); // returns: the stream ended on its own
    expect(firstEvents.map((e) => e.event)).not.toContain("succeeded");
    const seen = [...firstEvents];
    let streams = 1;
    // What EventSource does: reconnect with the last id until the terminal event.
    while (seen.at(-1)?.event !== "succeeded") {
      const res = await open(vars, user, path, seen.at(-1)?.id ?? 0);
      expect(res.status).toBe(200);
      seen.push(...parse(await res.text()));
      streams += 1;
      expect(streams).toBeLessThan(60);
    }
    expect(streams).toBeGreaterThan(1);
    await waitForJob(user, projectId, jobId);
    const whole = parse(await (await open({}, user, path)).text());
    expect(seen).toEqual(whole); // nothing lost, nothing twice
    // Finished and nothing left after the last id: 204 tells EventSource to stop reconnecting.
    const done = await open(vars, user, path, whole.at(-1)?.id);
    expect(done.status).toBe(204);
  });

  it("a user may hold SSE_MAX_STREAMS_PER_USER open streams; one more is 429 until one closes", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "delay", { ms: 3000 });
    const { jobId } = await postUpdate(user, projectId, "keep the streams open");
    const path = `/v1/projects/${projectId}/jobs/${jobId}/events`;
    const vars = { SSE_MAX_STREAMS_PER_USER: "2" };

    const held = [await open(vars, user, path), await open(vars, user, path)];
    const readers = held.map((res) => {
      expect(res.status).toBe(200);
      return res.body?.getReader();
    });
    for (const reader of readers) await reader?.read(); // both are streaming

    const refused = await open(vars, user, path);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: { code: "too_many_requests", message: "at most 2 event streams may be open per user; close one or try again later" } });
    // Another user's streams are counted apart.
    const other = newUser();
    const theirs = await createProject(other);
    await waitForJob(other, theirs.projectId, theirs.jobId);
    const their = await open(vars, other, `/v1/projects/${theirs.projectId}/jobs/${theirs.jobId}/events`);
    expect(their.status).toBe(200);
    expect(parse(await their.text()).at(-1)?.event).toBe("succeeded");

    await readers[0]?.cancel(); // closing a stream gives its place back
    let again = await open(vars, user, path);
    for (let i = 0; i < 100 && again.status === 429; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await open(vars, user, path);
    }
    expect(again.status).toBe(200);
    await again.body?.cancel();
    await readers[1]?.cancel();
    await waitForJob(user, projectId, jobId);
  });
});
