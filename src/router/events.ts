import { Hono } from "hono";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { streamConfig } from "../config.ts";
import type { Result } from "../domain/result.ts";
import type { ProjectDO } from "../do/project-do.ts";
import type { JobEvent } from "../domain/views.ts";
import { openStreamLease } from "../streams/lease.ts";
import type { StreamLease } from "../streams/lease.ts";
import { requireUser } from "./auth.ts";
import type { AppEnv } from "./context.ts";
import { branchStub, projectStub, unwrap } from "./context.ts";
import { HttpError } from "./errors.ts";
import { BranchJobParams } from "./branch-schemas.ts";
import { JobParams } from "./schemas.ts";
import { invalidInput } from "./validation.ts";

type EventPage = { events: JobEvent[]; done: boolean };

/** The Durable Object is polled this soon after news, then less often while it is quiet. */
const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 2_000;
const HEARTBEAT_MS = 15_000;

// Server-Sent Events of one job. The log lives in the DO, so a client that reconnects
// with Last-Event-ID gets exactly the events after that id, across DO restarts too. A
// stream ends after SSE_MAX_STREAM_SECONDS (EventSource reconnects by itself, sending
// Last-Event-ID); once the job has finished and nothing is left, the answer is 204, which
// tells EventSource to stop. A user holds at most SSE_MAX_STREAMS_PER_USER streams (429).
export const events = new Hono<AppEnv>();
events.use("*", requireUser);

async function lease(env: Env, userId: string): Promise<StreamLease> {
  const config = streamConfig(env);
  let held: StreamLease | null;
  try {
    held = await openStreamLease(env, userId, config);
  } catch (err) {
    console.error("stream limiter unavailable", err);
    throw new HttpError(503, "unavailable", "event streams are unavailable, try again");
  }
  if (held === null) throw new HttpError(429, "too_many_requests", `at most ${config.maxPerUser} event streams may be open per user; close one or try again later`);
  return held;
}

events.get("/:id/jobs/:jobId/events", async (c) => {
  const params = JobParams.safeParse({ id: c.req.param("id"), jobId: c.req.param("jobId") });
  if (!params.success) throw invalidInput(params.error);
  return jobStream(c, projectStub(c.env, params.data.id), params.data.jobId);
});

// A branch's jobs live in the branch's own object.
events.get("/:id/branches/:branch/jobs/:jobId/events", async (c) => {
  const params = BranchJobParams.safeParse({ id: c.req.param("id"), branch: c.req.param("branch"), jobId: c.req.param("jobId") });
  if (!params.success) throw invalidInput(params.error);
  return jobStream(c, branchStub(c.env, params.data.id, params.data.branch), params.data.jobId);
});

async function jobStream(c: Context<AppEnv>, stub: DurableObjectStub<ProjectDO>, jobId: string): Promise<Response> {
  const raw = c.req.header("last-event-id") ?? c.req.query("lastEventId") ?? "0";
  if (!/^\d{1,15}$/.test(raw)) throw new HttpError(400, "bad_request", "Last-Event-ID must be a non-negative integer");
  const userId = c.get("userId");
  let after = Number(raw);
  let page: EventPage = unwrap<EventPage>(await stub.jobEvents(userId, jobId, after));
  if (page.done && page.events.length === 0) return c.body(null, 204);
  const held = await lease(c.env, userId);
  const endAt = Date.now() + streamConfig(c.env).maxDurationMs;

  return streamSSE(c, async (stream) => {
    try {
      let quietSince = Date.now();
      let wait = FIRST_POLL_MS;
      for (;;) {
        for (const event of page.events) {
          await stream.writeSSE({ id: String(event.id), event: event.type, data: event.data });
          after = event.id;
          quietSince = Date.now();
        }
        wait = page.events.length > 0 ? FIRST_POLL_MS : Math.min(MAX_POLL_MS, wait * 2);
        if (page.done || stream.aborted || Date.now() >= endAt) return;
        if (!(await held.keepAlive())) return;
        if (Date.now() - quietSince > HEARTBEAT_MS) {
          await stream.write(": keep-alive\n\n");
          quietSince = Date.now();
        }
        await stream.sleep(Math.max(0, Math.min(wait, endAt - Date.now())));
        const next: Result<EventPage> = await stub.jobEvents(userId, jobId, after);
        if (!next.ok) return;
        page = next.value;
      }
    } finally {
      await held.release();
    }
  });
}
