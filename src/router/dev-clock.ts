import { OpenAPIHono, z } from "@hono/zod-openapi";
import { tokenMatches } from "../metrics/auth.ts";
import { devClockEnabled } from "../do/storage/clock.ts";
import { bearerToken } from "./auth.ts";
import type { AppEnv } from "./context.ts";
import { projectStub, unwrap } from "./context.ts";
import { HttpError } from "./errors.ts";
import { ProjectParams } from "./schemas.ts";
import { invalidInput } from "./validation.ts";

// Dev and benchmark only: moves one project's job clock forward (src/do/storage/clock.ts)
// so a user's pause of hours or days reaches the Durable Object's decisions without
// waiting. Absent (404) unless DEV_CLOCK_ENABLED is "true"; needs the ADMIN_TOKEN. Not in
// the OpenAPI document: it is not part of the product's API.
const AdvanceBody = z.object({ advanceMs: z.number().finite().nonnegative().max(365 * 24 * 3_600_000) });

export const devClock = new OpenAPIHono<AppEnv>();

devClock.use("*", async (c, next) => {
  if (!devClockEnabled(c.env)) throw new HttpError(404, "not_found", "no such route");
  if (!(await tokenMatches(bearerToken(c.req.header("authorization")), c.env.ADMIN_TOKEN))) {
    throw new HttpError(401, "unauthorized", "missing or wrong admin token");
  }
  await next();
});

devClock.post("/projects/:id/clock", async (c) => {
  const params = ProjectParams.safeParse(c.req.param());
  if (!params.success) throw invalidInput(params.error);
  const body = AdvanceBody.safeParse(await c.req.json().catch(() => null));
  if (!body.success) throw invalidInput(body.error);
  return c.json(unwrap(await projectStub(c.env, params.data.id).advanceDevClock(body.data.advanceMs)), 200);
});
