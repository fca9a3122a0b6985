import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { decodeCursor, encodeCursor, listOwnedProjects } from "../db/repo/project-list.ts";
import type { ProjectPage } from "../domain/console-views.ts";
import { requireUser } from "./auth.ts";
import type { AppEnv } from "./context.ts";
import { HttpError } from "./errors.ts";
import { errorResponses } from "./schemas.ts";
import { readStore, unavailableResponse } from "./store-read.ts";
import { validationHook } from "./validation.ts";

export const ProjectListQuery = z.object({
  limit: z.coerce.number({ error: "limit must be a number" }).int("limit must be a whole number").min(1, "limit must be 1 to 100").max(100, "limit must be 1 to 100").default(20)
    .openapi({ param: { name: "limit", in: "query" }, description: "Projects per page, 1 to 100 (default 20)." }),
  cursor: z.string().max(500, "cursor is not valid").optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "The nextCursor of the previous page." }),
});

const ProjectSummary = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  resumeOverride: z.boolean().nullable(),
  latestVersion: z.object({
    number: z.number(), kind: z.string(), status: z.string(), resumeDecision: z.string().nullable(), resumeReason: z.string().nullable(),
    createdAt: z.string(), completedAt: z.string().nullable(),
  }).nullable(),
  queue: z.object({ queued: z.number(), running: z.number() }).openapi({ description: "Versions queued or running, as Postgres sees them." }),
  resume: z.object({ tried: z.number(), succeeded: z.number(), successRate: z.number().nullable() }),
  costUsd: z.number().openapi({ description: "Cost of every version so far, failed ones included." }),
  versions: z.number(),
}).openapi("ProjectSummary");

export const ProjectPageBody = z.object({ projects: z.array(ProjectSummary), nextCursor: z.string().nullable() }).openapi("ProjectPage");

// The caller's projects, newest first, read from Postgres (the DOs are one per project).
export const projectList = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
projectList.use("/", requireUser);

projectList.openapi(
  createRoute({
    method: "get", path: "/", security: [{ bearer: [] }], summary: "The caller's projects, newest first, a page at a time",
    request: { query: ProjectListQuery },
    responses: {
      200: { description: "A page of projects", content: { "application/json": { schema: ProjectPageBody } } },
      ...errorResponses,
      ...unavailableResponse,
    },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const after = cursor === undefined ? null : decodeCursor(cursor);
    if (cursor !== undefined && after === null) throw new HttpError(400, "bad_request", "cursor is not valid");
    const result = await readStore(c.env, "the project list", (db) => listOwnedProjects(db, c.get("userId"), limit, after));
    const page: ProjectPage = { projects: result.projects, nextCursor: result.next === null ? null : encodeCursor(result.next) };
    return c.json(page, 200);
  },
);
