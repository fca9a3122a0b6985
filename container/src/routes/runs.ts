// POST /v1/runs: validate, take the project's lock, stream the operation as NDJSON.
import type { Route } from "../app.ts";
import { HttpError } from "../errors.ts";
import { describeIssues, readJson } from "../http.ts";
import { NdjsonStream } from "../ndjson.ts";
import { runOperation } from "../operation.ts";
import { projectPaths } from "../paths.ts";
import { RunRequest } from "../protocol.ts";

const MAX_RUN_BODY = 1024 * 1024;

export const runRoutes: Route[] = [
  {
    method: "POST",
    pattern: /^\/v1\/runs$/,
    handle: async (ctx) => {
      const parsed = RunRequest.safeParse(await readJson(ctx.req, MAX_RUN_BODY));
      if (!parsed.success) throw new HttpError(400, "bad_request", describeIssues(parsed.error.issues));
      const req = parsed.data;
      const release = ctx.app.locks.tryAcquire(req.projectId, req.runId);
      if (release === null) throw new HttpError(409, "busy", `project ${req.projectId} has a run in progress`);

      // A caller that goes away cannot receive the result: stop the engine and free the project.
      const cancel = new AbortController();
      const onClose = (): void => {
        if (!ctx.res.writableFinished) cancel.abort();
      };
      ctx.res.on("close", onClose);
      const onShutdown = (): void => cancel.abort();
      ctx.app.shutdown.addEventListener("abort", onShutdown, { once: true });
      try {
        const stream = new NdjsonStream(ctx.res);
        stream.write({ type: "started", runId: req.runId, operation: req.operation, resumeSessionId: req.resumeSessionId });
        const final = await runOperation(req, {
          config: ctx.app.config,
          paths: projectPaths(ctx.app.config.dataDir, req.projectId),
          modelProxy: ctx.app.modelProxy,
          emit: (event) => stream.write(event),
          signal: cancel.signal,
          log: ctx.app.log,
        });
        ctx.app.log(
          `run ${req.runId} project=${req.projectId} op=${req.operation} -> ${final.type === "result" ? `result ${final.sessionId}` : `error ${final.code}`}`,
        );
        stream.end(final);
      } finally {
        ctx.res.off("close", onClose);
        ctx.app.shutdown.removeEventListener("abort", onShutdown);
        release();
      }
    },
  },
];
