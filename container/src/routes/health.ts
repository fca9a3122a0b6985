// GET /healthz: liveness plus the engine version, for the container's health checks.
import type { Route } from "../app.ts";
import { sendJson } from "../http.ts";
import type { HealthResponse } from "../protocol.ts";

export const healthRoutes: Route[] = [
  {
    method: "GET",
    pattern: /^\/healthz$/,
    handle: async (ctx) => {
      const body: HealthResponse = { ok: true, engine: ctx.app.config.engineVersion };
      sendJson(ctx.res, 200, body);
    },
  },
];
