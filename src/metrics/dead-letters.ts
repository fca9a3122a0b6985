// Writes Postgres refused for good, as the Durable Objects recorded them (by write kind).
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { outboxDeadLetters } from "../db/schema.ts";
import { inScope } from "./scope.ts";
import type { MetricsReport, MetricsScope } from "./types.ts";

export async function deadLetterStats(db: Db, scope: MetricsScope): Promise<MetricsReport["deadLetters"]> {
  const rows = await db
    .select({ op: outboxDeadLetters.op, n: sql<number>`count(*)`.mapWith(Number) })
    .from(outboxDeadLetters)
    .where(inScope(db, scope, outboxDeadLetters.projectId))
    .groupBy(outboxDeadLetters.op)
    .orderBy(outboxDeadLetters.op);
  const byOp = rows.map((r) => ({ key: r.op, count: r.n }));
  return { total: byOp.reduce((sum, r) => sum + r.count, 0), byOp };
}
