// The resume policy in numbers: how often each option was chosen, the TTLs asked for, and
// how far the predictions were from what the jobs then cost. Over succeeded updates; the
// error is |actual - predicted| / actual per update whose path ran as planned.
import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Db } from "../db/client.ts";
import { projectVersions } from "../db/schema.ts";
import { inScope } from "./scope.ts";
import type { CountByKey, MetricsReport, MetricsScope } from "./types.ts";

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

async function countBy(db: Db, scope: MetricsScope, column: AnyPgColumn): Promise<CountByKey[]> {
  const v = projectVersions;
  const rows = await db
    .select({ key: sql<string>`${column}`, n: sql<number>`count(*)`.mapWith(Number) })
    .from(v)
    .where(and(inScope(db, scope, v.projectId), eq(v.kind, "update"), eq(v.status, "succeeded"), isNotNull(column)))
    .groupBy(column)
    .orderBy(column);
  return rows.map((r) => ({ key: r.key, count: r.n }));
}

export async function policyStats(db: Db, scope: MetricsScope): Promise<MetricsReport["policy"]> {
  const v = projectVersions;
  const error = sql`abs(${v.actualCostUsd} - ${v.predictedCostUsd}) / ${v.actualCostUsd}`;
  const [row] = await db
    .select({
      n: sql<number>`count(*)`.mapWith(Number),
      median: sql<number | null>`percentile_cont(0.5) within group (order by ${error})`.mapWith(num),
      p90: sql<number | null>`percentile_cont(0.9) within group (order by ${error})`.mapWith(num),
    })
    .from(v)
    .where(and(inScope(db, scope, v.projectId), eq(v.kind, "update"), eq(v.status, "succeeded"), isNotNull(v.predictedCostUsd), sql`${v.actualCostUsd} > 0`));
  return {
    choices: await countBy(db, scope, v.policyChoice),
    cacheTtl: await countBy(db, scope, v.cacheTtl),
    predictionError: { count: row?.n ?? 0, median: row?.median ?? null, p90: row?.p90 ?? null },
  };
}
