import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { Result } from "../domain/result.ts";
import type { JobEvent } from "../domain/views.ts";
import { requireUser } from "./auth.ts";
import type { AppEnv } from "./context.ts";
import { projectStub, unwrap } from "./context.ts";
import { HttpError } from "./errors.ts";
import { JobParams } from "./schemas.ts";
import { invalidInput } from "./validation.ts";

type EventPage = { events: JobEvent[]; done: boolean };

const POLL_MS = 250;
const HEARTBEAT_MS = 15_000;

// Server-Sent Events of one job. The log lives in the DO, so a client that reconnects
// with Last-Event-ID gets exactly the events after that id, across DO restarts too.
export const events = new Hono<AppEnv>();
events.use("*", requireUser);

events.get("/:id/jobs/:jobId/events", async (c) => {
  const params = JobParams.safeParse({ id: c.req.param("id"), jobId: c.req.param("jobId") });
  if (!params.success) throw invalidInput(params.error);
  const { id, jobId } = params.data;
  const raw = c.req.header("last-event-id") ?? c.req.query("lastEventId") ?? "0";
  if (!/^\d{1,15}$/.test(raw)) throw new HttpError(400, "bad_request", "Last-Event-ID must be a non-negative integer");
  const userId = c.get("userId");
  const stub = projectStub(c.env, id);
  let page: EventPage = unwrap<EventPage>(await stub.jobEvents(userId, jobId, Number(raw)));
  let after = Number(raw);

  return streamSSE(c, async (stream) => {
    let quietSince = Date.now();
    for (;;) {
      for (const event of page.events) {
        await stream.writeSSE({ id: String(event.id), event: event.type, data: event.data });
        after = event.id;
        quietSince = Date.now();
      }
      if (page.done || stream.aborted) return;
      if (Date.now() - quietSince > HEARTBEAT_MS) {
        await stream.write(": keep-alive\n\n");
        quietSince = Date.now();
      }
      await stream.sleep(POLL_MS);
      const next: Result<EventPage> = await stub.jobEvents(userId, jobId, after);
      if (!next.ok) return;
      page = next.value;
    }
  });
});
