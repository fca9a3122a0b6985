// Run lifecycle: start a run detached from this connection (idempotent by run id), read
// its status, follow its numbered event log from any offset, and cancel it.
import type { Route, RouteContext } from "../app.ts";
import { HttpError } from "../errors.ts";
import { describeIssues, readJson, sendJson } from "../http.ts";
import { RunId, RunRequest } from "../protocol.ts";
import type { LoggedEvent, RunResponse } from "../protocol.ts";
import { statusOf } from "../runs/registry.ts";
import type { RunView } from "../runs/registry.ts";

const MAX_RUN_BODY = 1024 * 1024;
const RUN = /^\/v1\/runs\/(?<runId>[^/]+)$/;
const EVENTS = /^\/v1\/runs\/(?<runId>[^/]+)\/events$/;

async function runParam(ctx: RouteContext): Promise<RunView> {
  const parsed = RunId.safeParse(ctx.params.runId);
  if (!parsed.success) throw new HttpError(400, "bad_request", "invalid runId");
  const run = await ctx.app.runs.get(parsed.data);
  if (run === null) throw new HttpError(404, "run_not_found", `no run ${parsed.data} on this runner`);
  return run;
}

function afterParam(ctx: RouteContext): number {
  const raw = new URL(ctx.req.url ?? "/", "http://runner").searchParams.get("after") ?? "0";
  const after = Number(raw);
  if (!Number.isInteger(after) || after < 0) throw new HttpError(400, "bad_request", "after must be a non-negative integer");
  return after;
}

export const runRoutes: Route[] = [
  {
    method: "POST",
    pattern: /^\/v1\/runs$/,
    handle: async (ctx) => {
      const parsed = RunRequest.safeParse(await readJson(ctx.req, MAX_RUN_BODY));
      if (!parsed.success) throw new HttpError(400, "bad_request", describeIssues(parsed.error.issues));
      const { created, run } = await ctx.app.runs.start(parsed.data);
      const body: RunResponse = { run: statusOf(run) };
      sendJson(ctx.res, created ? 202 : 200, body);
    },
  },
  {
    method: "GET",
    pattern: RUN,
    handle: async (ctx) => {
      const body: RunResponse = { run: statusOf(await runParam(ctx)) };
      sendJson(ctx.res, 200, body);
    },
  },
  {
    method: "DELETE",
    pattern: RUN,
    handle: async (ctx) => {
      const run = await runParam(ctx);
      ctx.app.runs.cancel(run.runId);
      const body: RunResponse = { run: statusOf(run) };
      sendJson(ctx.res, 200, body);
    },
  },
  {
    method: "GET",
    pattern: EVENTS,
    handle: async (ctx) => {
      const after = afterParam(ctx);
      const run = await runParam(ctx);
      const { res } = ctx;
      res.writeHead(200, {
        "content-type": "application/x-ndjson",
        "cache-control": "no-store",
        // Proxies must not buffer progress events.
        "x-accel-buffering": "no",
      });
      res.flushHeaders();
      // Every event after `after`, then live ones, until the final event ends the stream.
      await new Promise<void>((resolve) => {
        const write = (event: LoggedEvent): void => {
          if (res.destroyed) return;
          res.write(`${JSON.stringify(event)}\n`);
          if (event.type === "result" || event.type === "error") res.end();
        };
        const stop = ctx.app.runs.follow(run, after, write);
        // Nothing more will come (finished, or a log without its final event): end here.
        if (stop === null && !res.writableEnded) res.end();
        // A blank line now and then tells the follower the stream is alive during a quiet turn.
        const heartbeat = setInterval(() => {
          if (!res.writableEnded && !res.destroyed) res.write("\n");
        }, ctx.app.config.eventsHeartbeatMs);
        heartbeat.unref();
        const done = (): void => {
          clearInterval(heartbeat);
          stop?.();
          resolve();
        };
        res.once("close", done);
        if (res.writableEnded) done();
      });
    },
  },
];
