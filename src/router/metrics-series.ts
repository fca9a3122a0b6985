import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { updateSeries } from "../metrics/series.ts";
import type { UpdateSeries } from "../domain/console-views.ts";
import type { AppEnv } from "./context.ts";
import { scopeOf } from "./metrics.ts";
import { ErrorBody } from "./schemas.ts";
import { readStore, unavailableResponse } from "./store-read.ts";
import { validationHook } from "./validation.ts";
import { PATH_OPTIONS } from "../policy/types.ts";

const SeriesQuery = z.object({
  limit: z.coerce.number({ error: "limit must be a number" }).int("limit must be a whole number").min(1, "limit must be 1 to 1000").max(1000, "limit must be 1 to 1000").default(500)
    .openapi({ param: { name: "limit", in: "query" }, description: "The latest this many updates (1 to 1000, default 500)." }),
});

const UpdatePoint = z.object({
  projectId: z.string(),
  projectName: z.string(),
  versionNumber: z.number(),
  completedAt: z.string(),
  mode: z.enum(["resumed", "fresh"]).openapi({ description: "The final mode: a resume that fell back counts as fresh." }),
  reason: z.string().nullable(),
  costUsd: z.number(),
  durationMs: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheCreationInputTokens: z.number(),
  cacheReadInputTokens: z.number(),
  sessionAgeSeconds: z.number().nullable().openapi({ description: "Seconds between the resumed session's last use and this update; null when fresh." }),
  policyChoice: z.enum(PATH_OPTIONS).nullable().openapi({ description: "The resume policy's choice: resume, compact_resume, handoff or fresh." }),
  predictedCostUsd: z.number().nullable().openapi({ description: "The policy's predicted cost of the chosen path (update, metadata, and a compaction first if chosen)." }),
  predictedFreshCostUsd: z.number().nullable().openapi({ description: "The policy's predicted cost of a plain fresh session for this update (from the version's policy record); null without one." }),
  predictedResumeCostUsd: z.number().nullable().openapi({ description: "The policy's predicted cost of resuming for this update; null without a policy record or when resume was ruled out." }),
}).openapi("UpdatePoint");

export const UpdateSeriesBody = z.object({ scope: z.enum(["owner", "all"]), updates: z.array(UpdatePoint) }).openapi("UpdateSeries");

// Succeeded updates one by one (the aggregates of /v1/metrics, over time): the caller's,
// or every project's with the admin token.
export const metricsSeries = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

metricsSeries.openapi(
  createRoute({
    method: "get", path: "/v1/metrics/updates", security: [{ bearer: [] }],
    summary: "Each succeeded update's mode, cost, time, tokens and session age, oldest first (all projects with the admin token)",
    request: { query: SeriesQuery },
    responses: {
      200: { description: "Updates", content: { "application/json": { schema: UpdateSeriesBody } } },
      400: { description: "Invalid input", content: { "application/json": { schema: ErrorBody } } },
      401: { description: "Missing or wrong token", content: { "application/json": { schema: ErrorBody } } },
      ...unavailableResponse,
    },
  }),
  async (c) => {
    const { limit } = c.req.valid("query");
    const scope = await scopeOf(c);
    const updates = await readStore(c.env, "the update series", (db) => updateSeries(db, scope, limit));
    const body: UpdateSeries = { scope: scope.kind, updates };
    return c.json(body, 200);
  },
);
