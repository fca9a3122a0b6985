import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { authSecretProblem } from "./auth-secret.ts";
import type { AppEnv } from "./context.ts";
import { devClock } from "./dev-clock.ts";
import { HttpError } from "./errors.ts";
import { devSignin } from "./dev-signin.ts";
import { events } from "./events.ts";
import { legacy } from "./legacy.ts";
import { metrics } from "./metrics.ts";
import { metricsSeries } from "./metrics-series.ts";
import { branches } from "./branches.ts";
import { activity } from "./project-activity.ts";
import { projectList } from "./project-list.ts";
import { projects } from "./projects.ts";
import { serverTiming } from "./server-timing.ts";
import { validationHook } from "./validation.ts";
import { versionFiles } from "./version-files.ts";
import { versions } from "./versions.ts";

export const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

let reportedMisconfiguration = false;
// A Worker deployed with a weak AUTH_SECRET serves nothing (health included): the operator
// sees why in the log at the first request, clients see a 503.
app.use("*", async (c, next) => {
  const problem = authSecretProblem(c.env.AUTH_SECRET);
  if (problem !== null) {
    if (!reportedMisconfiguration) console.error(`refusing to serve: ${problem}`);
    reportedMisconfiguration = true;
    throw new HttpError(503, "unavailable", "the service is misconfigured and refuses to serve; its log says why");
  }
  await next();
});

// Prompts are capped at 100 KB by validation; anything far larger is refused unread.
app.use("*", bodyLimit({ maxSize: 1024 * 1024, onError: () => { throw new HttpError(413, "payload_too_large", "request body is larger than 1 MB"); } }));

app.use("*", serverTiming);

app.get("/healthz", (c) => c.json({ ok: true }));
app.route("/v1/projects", projectList);
app.route("/v1/projects", activity);
app.route("/v1/projects", events);
app.route("/v1/projects", projects);
app.route("/v1/projects", branches);
app.route("/v1/projects", versions);
app.route("/v1/projects", versionFiles);
app.route("/update-project", legacy);
app.route("/", metrics);
app.route("/__dev", devClock);
app.route("/", metricsSeries);
app.route("/", devSignin);

app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
app.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: { title: "session-chain", version: "1.0.0", description: "Projects built and updated by Claude Code, each update resuming the previous session." },
});

app.notFound(() => new HttpError(404, "not_found", "no such route").toResponse());

// The one place errors become HTTP. Only HttpError messages are public.
app.onError((err) => {
  if (err instanceof HttpError) return err.toResponse();
  if (err instanceof HTTPException && err.status < 500) {
    // Hono's own 4xx (e.g. malformed JSON from the validator): its message is safe.
    const code = err.status === 401 ? "unauthorized" : err.status === 413 ? "payload_too_large" : "bad_request";
    const status = err.status === 401 || err.status === 413 ? err.status : 400;
    return new HttpError(status, code, err.message || "bad request").toResponse();
  }
  console.error("unhandled error", err);
  return new HttpError(500, "internal", "internal error").toResponse();
});
