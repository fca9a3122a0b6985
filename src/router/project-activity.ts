import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { projectActivity } from "../db/repo/project-activity.ts";
import { CacheReport } from "../runner/protocol.ts";
import { requireUser } from "./auth.ts";
import type { AppEnv } from "./context.ts";
import { HttpError } from "./errors.ts";
import { errorResponses, ProjectParams, Step, Usage } from "./schemas.ts";
import { readStore, unavailableResponse } from "./store-read.ts";
import { validationHook } from "./validation.ts";

const ActivityQuery = z.object({
  limit: z.coerce.number({ error: "limit must be a number" }).int("limit must be a whole number").min(1, "limit must be 1 to 500").max(500, "limit must be 1 to 500").default(200)
    .openapi({ param: { name: "limit", in: "query" }, description: "At most this many of the latest operations and of the latest attempts (1 to 500, default 200)." }),
});

const Operation = Usage.extend({
  id: z.number(),
  versionNumber: z.number(),
  branch: z.string(),
  operation: Step.openapi({ description: "restore and branch: a fork of an earlier version's session on the runner, without a model call." }),
  sessionIdIn: z.string().nullable(),
  sessionIdOut: z.string().nullable(),
  numTurns: z.number(),
  toolCalls: z.number(),
  filesRead: z.number(),
  cache: CacheReport.nullable().openapi({ description: "The prompt cache as the runner's model proxy saw it: tokens read and written, and each miss with its cause (ttl_expired, prefix_changed, below_minimum, unknown). null for steps of older runners." }),
  cacheNote: z.string().nullable().openapi({ description: "The step's resumed history written to the cache again instead of read, in words (\"history written again: cache expired 12 min after its 5-minute write (3,144 tokens)\"); null when it was read." }),
  at: z.string(),
}).openapi("Operation");

const Attempt = z.object({
  id: z.number(),
  versionNumber: z.number().nullable(),
  outcome: z.string().openapi({ description: "resumed, forked, not_found, corrupted, stale, skipped, security_violation or error." }),
  reason: z.string(),
  requestedSessionId: z.string().nullable(),
  returnedSessionId: z.string().nullable(),
  attemptNumber: z.number(),
  at: z.string(),
}).openapi("ResumeAttempt");

export const ActivityBody = z.object({ operations: z.array(Operation), attempts: z.array(Attempt) }).openapi("ProjectActivity");

// Each Claude operation (tokens, cost, time, session in → out) and the resume audit trail:
// what a session-chain graph is drawn from.
export const activity = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
activity.use("/:id/activity", requireUser);

activity.openapi(
  createRoute({
    method: "get", path: "/{id}/activity", security: [{ bearer: [] }], summary: "The project's operations and resume audit trail, oldest first",
    request: { params: ProjectParams, query: ActivityQuery },
    responses: {
      200: { description: "Operations and attempts", content: { "application/json": { schema: ActivityBody } } },
      ...errorResponses,
      ...unavailableResponse,
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { limit } = c.req.valid("query");
    const found = await readStore(c.env, "the project's activity", (db) => projectActivity(db, c.get("userId"), id, limit));
    if (found === null) throw new HttpError(404, "not_found", "project not found");
    return c.json(found, 200);
  },
);
