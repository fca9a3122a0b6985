// Resume outcomes, fallbacks and failures, counted in Postgres.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projectVersions, resumeOutcomes, sessionResumeAttempts } from "../db/schema.ts";
import type { ResumeOutcome } from "../db/schema.ts";
import { inScope } from "./scope.ts";
import type { CountByKey, MetricsReport, MetricsScope } from "./types.ts";

/** stale and skipped are decisions not to resume; every other outcome followed a real try. */
export const NOT_TRIED: ReadonlySet<ResumeOutcome> = new Set(["stale", "skipped"]);
export const SUCCEEDED: ReadonlySet<ResumeOutcome> = new Set(["resumed", "forked"]);

export async function resumeStats(db: Db, scope: MetricsScope): Promise<Omit<MetricsReport["resume"], "fallbacks">> {
  const rows = await db
    .select({ outcome: sessionResumeAttempts.outcome, n: sql<number>`count(*)`.mapWith(Number) })
    .from(sessionResumeAttempts)
    .where(inScope(db, scope, sessionResumeAttempts.projectId))
    .groupBy(sessionResumeAttempts.outcome);
  const attempts = Object.fromEntries(resumeOutcomes.map((o) => [o, 0])) as Record<ResumeOutcome, number>;
  for (const row of rows) attempts[row.outcome] = row.n;
  let tried = 0;
  let succeeded = 0;
  for (const outcome of resumeOutcomes) {
    if (!NOT_TRIED.has(outcome)) tried += attempts[outcome];
    if (SUCCEEDED.has(outcome)) succeeded += attempts[outcome];
  }
  return { attempts, tried, succeeded, successRate: tried === 0 ? null : succeeded / tried };
}

/**
 * Updates that ran in a new session, by reason. Decisions are stored as
 * "<reason>: <detail>" and fallbacks as "fallback:<reason>": the part before ": " is the key.
 */
export async function fallbacks(db: Db, scope: MetricsScope): Promise<CountByKey[]> {
  const key = sql<string>`coalesce(split_part(${projectVersions.resumeReason}, ': ', 1), 'unknown')`;
  const rows = await db
    .select({ key, n: sql<number>`count(*)`.mapWith(Number) })
    .from(projectVersions)
    .where(and(inScope(db, scope, projectVersions.projectId), eq(projectVersions.kind, "update"), eq(projectVersions.resumeDecision, "fresh")))
    // By position: a parameterised expression repeated would not count as the same one.
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  return rows.map((r) => ({ key: r.key, count: r.n }));
}

/** Failed versions (create or update) by error code. */
export async function failures(db: Db, scope: MetricsScope): Promise<CountByKey[]> {
  const key = sql<string>`coalesce(${projectVersions.errorCode}, 'unknown')`;
  const rows = await db
    .select({ key, n: sql<number>`count(*)`.mapWith(Number) })
    .from(projectVersions)
    .where(and(inScope(db, scope, projectVersions.projectId), eq(projectVersions.status, "failed")))
    // By position: a parameterised expression repeated would not count as the same one.
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  return rows.map((r) => ({ key: r.key, count: r.n }));
}
