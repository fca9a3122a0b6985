// Session age at resume and how often the session id changed, from the per-operation rows.
import { and, isNotNull, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projectAiSessionMetrics, projects } from "../db/schema.ts";
import { inScope } from "./scope.ts";
import type { Histogram, MetricsReport, MetricsScope } from "./types.ts";

/**
 * Bucket bounds in seconds. 5 min and 1 h are the prompt cache's TTLs (a resume after them
 * pays cache writes again); 24 h is the default SESSION_MAX_AGE_HOURS (older is stale).
 */
export const SESSION_AGE_BUCKETS_SECONDS = [10, 60, 300, 900, 3600, 6 * 3600, 24 * 3600, 7 * 24 * 3600] as const;

/**
 * Age at resume, per update operation that started from a session: the time between the
 * session's last use (the latest earlier operation of the project that returned that id)
 * and the start of the resuming operation (its row's time minus its duration). Under
 * fork-per-operation this is the time since the session was created; it is the same idle
 * time the staleness rule (SESSION_MAX_AGE_HOURS) looks at. Row times are when the DO
 * recorded each step, right after it ended. Rows: (version_id, age) in seconds.
 */
export function resumeAges(scope: MetricsScope): SQL {
  const m = projectAiSessionMetrics;
  const age = sql`greatest(0, extract(epoch from (r.created_at - r.duration_ms * interval '1 millisecond' - p.last_used)))`;
  const scoped = scope.kind === "all" ? sql`true` : sql`r.project_id in (select ${projects.id} from ${projects} where ${projects.ownerUserId} = ${scope.userId})`;
  return sql`
      select r.version_id, ${age} as age
      from ${m} r
      join lateral (
        select max(p.created_at) as last_used from ${m} p
        where p.project_id = r.project_id and p.session_id_out = r.session_id_in and p.id < r.id
      ) p on p.last_used is not null
      where r.operation = 'update' and r.session_id_in is not null and ${scoped}`;
}

export async function sessionAgeHistogram(db: Db, scope: MetricsScope): Promise<Histogram> {
  const bucketCounts = SESSION_AGE_BUCKETS_SECONDS.map((le) => sql`count(*) filter (where a.age <= ${sql.raw(String(le))})::int`);
  const result = await db.execute<Record<string, unknown>>(sql`
    with ages as (${resumeAges(scope)})
    select count(*)::int as n, coalesce(sum(a.age), 0)::float8 as total, ${sql.join(bucketCounts.map((c, i) => sql`${c} as ${sql.raw(`b${i}`)}`), sql`, `)}
    from ages a`);
  const row = result.rows[0] ?? {};
  const count = Number(row["n"] ?? 0);
  return {
    buckets: [
      ...SESSION_AGE_BUCKETS_SECONDS.map((le, i) => ({ le, count: Number(row[`b${i}`] ?? 0) })),
      { le: null, count },
    ],
    sum: Number(row["total"] ?? 0),
    count,
  };
}

export async function sessionIdChanges(db: Db, scope: MetricsScope): Promise<MetricsReport["sessionIdChanges"]> {
  const m = projectAiSessionMetrics;
  const [row] = await db
    .select({
      resumed: sql<number>`count(*)`.mapWith(Number),
      changed: sql<number>`count(*) filter (where ${m.sessionIdOut} is distinct from ${m.sessionIdIn})`.mapWith(Number),
    })
    .from(m)
    .where(and(inScope(db, scope, m.projectId), isNotNull(m.sessionIdIn)));
  const resumed = row?.resumed ?? 0;
  const changed = row?.changed ?? 0;
  return { resumedOperations: resumed, changed, rate: resumed === 0 ? null : changed / resumed };
}
