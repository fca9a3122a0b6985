// Tool calls the runner refused before they ran (the engine tried to leave its workspace,
// or to use a tool it is not given), summed over every recorded operation.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projectAiSessionMetrics } from "../db/schema.ts";
import { inScope } from "./scope.ts";
import type { MetricsScope } from "./types.ts";

export async function refusedToolCalls(db: Db, scope: MetricsScope): Promise<number> {
  const m = projectAiSessionMetrics;
  const [row] = await db
    .select({ n: sql<number>`coalesce(sum(${m.refusedToolCalls}), 0)`.mapWith(Number) })
    .from(m)
    .where(inScope(db, scope, m.projectId));
  return row?.n ?? 0;
}
