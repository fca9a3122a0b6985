// Queue depth and running jobs, as Postgres sees the versions (the DOs hold the queues;
// every job has a version row whose status follows it through the outbox).
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projectVersions } from "../db/schema.ts";
import { inScope } from "./scope.ts";
import type { MetricsReport, MetricsScope } from "./types.ts";

export async function queueStats(db: Db, scope: MetricsScope): Promise<MetricsReport["queue"]> {
  const v = projectVersions;
  const [row] = await db
    .select({
      queued: sql<number>`count(*) filter (where ${v.status} = 'queued')`.mapWith(Number),
      running: sql<number>`count(*) filter (where ${v.status} = 'running')`.mapWith(Number),
    })
    .from(v)
    .where(inScope(db, scope, v.projectId));
  return { queued: row?.queued ?? 0, running: row?.running ?? 0 };
}
