// Which rows a report may see: an owner's projects (projects.owner_user_id), or all.
import { eq, inArray, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Db } from "../db/client.ts";
import { projects } from "../db/schema.ts";
import type { MetricsScope } from "./types.ts";

/** A condition on a `project_id` column; `true` for the admin scope. */
export function inScope(db: Db, scope: MetricsScope, projectId: AnyPgColumn): SQL {
  if (scope.kind === "all") return sql`true`;
  return inArray(projectId, db.select({ id: projects.id }).from(projects).where(eq(projects.ownerUserId, scope.userId)));
}

/** Project ids in scope (owner only: the admin scope lists R2 by the common prefix instead). */
export async function ownedProjectIds(db: Db, userId: string): Promise<string[]> {
  const rows = await db.select({ id: projects.id }).from(projects).where(eq(projects.ownerUserId, userId));
  return rows.map((r) => r.id);
}

export async function projectCount(db: Db, scope: MetricsScope): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(projects).where(inScope(db, scope, projects.id));
  return row?.n ?? 0;
}
