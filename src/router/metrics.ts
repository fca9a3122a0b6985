import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { tokenMatches } from "../metrics/auth.ts";
import { PROMETHEUS_CONTENT_TYPE, renderReport } from "../metrics/prometheus.ts";
import { buildReport } from "../metrics/report.ts";
import type { MetricsReport, MetricsScope } from "../metrics/types.ts";
import { bearerToken, requireUser } from "./auth.ts";
import type { AppEnv } from "./context.ts";
import { HttpError } from "./errors.ts";
import { ErrorBody } from "./schemas.ts";
import { validationHook } from "./validation.ts";

const Distribution = z.object({ mean: z.number().nullable(), p50: z.number().nullable(), p95: z.number().nullable(), sum: z.number() });
const ModeStats = z.object({
  count: z.number(),
  costUsd: Distribution,
  durationMs: Distribution,
  meanTokens: z.object({ input: z.number().nullable(), cacheCreation: z.number().nullable(), cacheRead: z.number().nullable(), output: z.number().nullable() }),
});
const CountByKey = z.object({ key: z.string(), count: z.number() });

export const MetricsBody = z
  .object({
    scope: z.enum(["owner", "all"]),
    generatedAt: z.string(),
    projects: z.number(),
    resume: z.object({
      attempts: z.record(z.string(), z.number()),
      tried: z.number(),
      succeeded: z.number(),
      successRate: z.number().nullable().openapi({ description: "(resumed + forked) / attempts that tried to resume (every outcome but stale and skipped)." }),
      fallbacks: z.array(CountByKey).openapi({ description: "Updates that ran in a new session, by reason." }),
    }),
    failures: z.array(CountByKey).openapi({ description: "Failed versions by error code." }),
    updates: z.object({ resumed: ModeStats, fresh: ModeStats }),
    sessionAgeAtResumeSeconds: z.object({
      buckets: z.array(z.object({ le: z.number().nullable().openapi({ description: "Upper bound in seconds; null is +Inf." }), count: z.number() })),
      sum: z.number(),
      count: z.number(),
    }),
    sessionIdChanges: z.object({ resumedOperations: z.number(), changed: z.number(), rate: z.number().nullable() }),
    queue: z.object({ queued: z.number(), running: z.number() }),
    refusedToolCalls: z.number().openapi({ description: "Tool calls the runner refused before they ran (outside the workspace, or a tool not allowed)." }),
    cacheMissTokens: z.array(CountByKey).openapi({ description: "Prompt-cache tokens written (or left uncached) that the cache should have served, by cause: ttl_expired, prefix_changed, below_minimum, unknown." }),
    deadLetters: z.object({ total: z.number(), byOp: z.array(CountByKey) }).openapi({ description: "Outbox writes Postgres refused for good, by write kind." }),
    transcriptStorage: z.object({ bytes: z.number(), objects: z.number() }),
    policy: z.object({
      choices: z.array(CountByKey).openapi({ description: "Succeeded updates by the resume policy's choice: resume, compact_resume, handoff, fresh." }),
      cacheTtl: z.array(CountByKey).openapi({ description: "Succeeded updates by the prompt-cache TTL (5m, 1h) their last step asked for." }),
      predictionError: z.object({ count: z.number(), median: z.number().nullable(), p90: z.number().nullable() })
        .openapi({ description: "|actual - predicted| / actual cost over the updates whose chosen path ran as planned." }),
    }),
  })
  .openapi("Metrics");

const unauthorized = { description: "Missing or wrong token", content: { "application/json": { schema: ErrorBody } } };
const unavailable = { description: "The metrics store is unavailable", content: { "application/json": { schema: ErrorBody } } };

export const metrics = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

async function report(env: Env, scope: MetricsScope): Promise<MetricsReport> {
  try {
    return await buildReport(env, scope);
  } catch (err) {
    console.error("metrics report failed", err);
    throw new HttpError(503, "unavailable", "metrics are unavailable, try again");
  }
}

/** ADMIN_TOKEN sees every project; otherwise a user JWT sees that user's projects. */
export async function scopeOf(c: Context<AppEnv>): Promise<MetricsScope> {
  if (await tokenMatches(bearerToken(c.req.header("authorization")), c.env.ADMIN_TOKEN)) return { kind: "all" };
  await requireUser(c, async () => undefined);
  return { kind: "owner", userId: c.get("userId") };
}

metrics.openapi(
  createRoute({
    method: "get", path: "/v1/metrics", security: [{ bearer: [] }],
    summary: "Resume, cost and speed metrics of the caller's projects (all projects with the admin token)",
    responses: { 200: { description: "Metrics", content: { "application/json": { schema: MetricsBody } } }, 401: unauthorized, 503: unavailable },
  }),
  async (c) => c.json(await report(c.env, await scopeOf(c)), 200),
);

metrics.openapi(
  createRoute({
    method: "get", path: "/metrics", security: [{ bearer: [] }],
    summary: "All projects' metrics in Prometheus text format (METRICS_TOKEN)",
    responses: { 200: { description: "Prometheus text format 0.0.4", content: { "text/plain": { schema: z.string() } } }, 401: unauthorized, 503: unavailable },
  }),
  async (c) => {
    if (!(await tokenMatches(bearerToken(c.req.header("authorization")), c.env.METRICS_TOKEN))) {
      throw new HttpError(401, "unauthorized", "missing or wrong metrics token");
    }
    const text = renderReport(await report(c.env, { kind: "all" }));
    // c.text keeps a content-type given here (the Prometheus format version).
    return c.text(text, 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
  },
);
