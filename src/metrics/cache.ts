// Prompt-cache miss tokens by cause, over every recorded operation: what the runner's model
// proxy itemised in each step's cache record (project_ai_session_metrics.cache).
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projectAiSessionMetrics } from "../db/schema.ts";
import { CacheMissCause } from "../runner/protocol.ts";
import { inScope } from "./scope.ts";
import type { CountByKey, MetricsScope } from "./types.ts";

/** Every cause, 0 when none was seen (a counter that appears late breaks rate() for nobody). */
export async function cacheMissTokens(db: Db, scope: MetricsScope): Promise<CountByKey[]> {
  const m = projectAiSessionMetrics;
  const rows = await db
    .select({ key: sql<string>`miss->>'cause'`, n: sql<number>`coalesce(sum((miss->>'tokens')::bigint), 0)`.mapWith(Number) })
    .from(sql`${m} cross join lateral jsonb_array_elements(coalesce(${m.cache}->'misses', '[]'::jsonb)) as miss`)
    .where(inScope(db, scope, m.projectId))
    .groupBy(sql`1`);
  const sums = new Map(rows.map((r) => [r.key, r.n]));
  return CacheMissCause.options.map((cause) => ({ key: cause, count: sums.get(cause) ?? 0 }));
}
