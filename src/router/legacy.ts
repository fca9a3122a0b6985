import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { requireUser } from "./auth.ts";
import type { AppEnv } from "./context.ts";
import { projectStub, unwrap } from "./context.ts";
import { Accepted, errorResponses, IdempotencyHeaders, LegacyUpdateBody } from "./schemas.ts";
import { validationHook } from "./validation.ts";
import { acceptedJson } from "./views.ts";

// The endpoint's existing name, kept for current clients: same behaviour as
// POST /v1/projects/:id/updates.
export const legacy = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
legacy.use("*", requireUser);

legacy.openapi(
  createRoute({
    method: "post", path: "/", security: [{ bearer: [] }], summary: "Queue an update (legacy name)",
    request: { headers: IdempotencyHeaders, body: { required: true, content: { "application/json": { schema: LegacyUpdateBody } } } },
    responses: { 202: { description: "Accepted", content: { "application/json": { schema: Accepted } } }, ...errorResponses },
  }),
  async (c) => {
    const { projectId, prompt } = c.req.valid("json");
    const key = c.req.valid("header")["idempotency-key"] ?? null;
    const accepted = unwrap(await projectStub(c.env, projectId).enqueueUpdate({ userId: c.get("userId"), prompt, idempotencyKey: key }));
    if (accepted.replayed) c.header("idempotent-replayed", "true");
    return c.json(acceptedJson(accepted), 202);
  },
);
