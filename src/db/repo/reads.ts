import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "../client.ts";
import { projectAiSessionMetrics, projectVersions } from "../schema.ts";
import type { ProjectVersion } from "../schema.ts";

/** A session id belongs to a project when one of its versions or operations produced it. */
export async function sessionBelongsToProject(db: Db, projectId: string, sessionId: string): Promise<boolean> {
  const version = await db
    .select({ id: projectVersions.id })
    .from(projectVersions)
    .where(and(eq(projectVersions.projectId, projectId), eq(projectVersions.aiSessionId, sessionId)))
    .limit(1);
  if (version.length > 0) return true;
  const metric = await db
    .select({ id: projectAiSessionMetrics.id })
    .from(projectAiSessionMetrics)
    .where(and(eq(projectAiSessionMetrics.projectId, projectId), eq(projectAiSessionMetrics.sessionIdOut, sessionId)))
    .limit(1);
  return metric.length > 0;
}

/** Up to `limit` versions numbered above `afterVersion`, oldest first (keyset pagination); one branch's or all. */
export async function listVersions(db: Db, projectId: string, afterVersion: number, limit: number, branch: string | null = null): Promise<ProjectVersion[]> {
  const ofBranch = branch === null ? undefined : eq(projectVersions.branch, branch);
  return db
    .select()
    .from(projectVersions)
    .where(and(eq(projectVersions.projectId, projectId), gt(projectVersions.versionNumber, afterVersion), ofBranch))
    .orderBy(asc(projectVersions.versionNumber))
    .limit(limit);
}
