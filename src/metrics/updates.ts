// Cost and duration of succeeded updates, resumed versus fresh. The mode is the version's
// final resume_decision: an update whose resume fell back is counted as fresh.
import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Db } from "../db/client.ts";
import { projectVersions } from "../db/schema.ts";
import { inScope } from "./scope.ts";
import type { Distribution, MetricsReport, MetricsScope, UpdateModeStats } from "./types.ts";

// numeric and percentile_cont come back as strings (or null on no rows): map to numbers.
const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const nullableNumber = (expr: SQL) => sql<number | null>`${expr}`.mapWith(num);

function distribution(column: AnyPgColumn) {
  return {
    mean: nullableNumber(sql`avg(${column})`),
    p50: nullableNumber(sql`percentile_cont(0.5) within group (order by ${column})`),
    p95: nullableNumber(sql`percentile_cont(0.95) within group (order by ${column})`),
    sum: sql<number>`coalesce(sum(${column}), 0)`.mapWith(Number),
  };
}

export function emptyMode(): UpdateModeStats {
  const empty = (): Distribution => ({ mean: null, p50: null, p95: null, sum: 0 });
  return { count: 0, costUsd: empty(), durationMs: empty(), meanTokens: { input: null, cacheCreation: null, cacheRead: null, output: null } };
}

export async function updateStats(db: Db, scope: MetricsScope): Promise<MetricsReport["updates"]> {
  const v = projectVersions;
  const rows = await db
    .select({
      decision: v.resumeDecision,
      count: sql<number>`count(*)`.mapWith(Number),
      cost: distribution(v.costUsd),
      duration: distribution(v.durationMs),
      input: nullableNumber(sql`avg(${v.inputTokens})`),
      cacheCreation: nullableNumber(sql`avg(${v.cacheCreationInputTokens})`),
      cacheRead: nullableNumber(sql`avg(${v.cacheReadInputTokens})`),
      output: nullableNumber(sql`avg(${v.outputTokens})`),
    })
    .from(v)
    .where(and(inScope(db, scope, v.projectId), eq(v.kind, "update"), eq(v.status, "succeeded"), isNotNull(v.resumeDecision)))
    .groupBy(v.resumeDecision);
  const out = { resumed: emptyMode(), fresh: emptyMode() };
  for (const row of rows) {
    const stats: UpdateModeStats = {
      count: row.count,
      costUsd: row.cost,
      durationMs: row.duration,
      meanTokens: { input: row.input, cacheCreation: row.cacheCreation, cacheRead: row.cacheRead, output: row.output },
    };
    if (row.decision === "resume") out.resumed = stats;
    else if (row.decision === "fresh") out.fresh = stats;
  }
  return out;
}
