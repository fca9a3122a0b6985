// A project's Claude operations and resume audit trail, newest `limit` of each, returned
// oldest first: what the console draws the session chain from. Owner-checked here, in
// Postgres, because the rows live there (a project is visible only to its owner).
import { and, desc, eq } from "drizzle-orm";
import { cacheNote } from "../../domain/cache-words.ts";
import type { AttemptRecord, OperationRecord, ProjectActivity } from "../../domain/console-views.ts";
import type { Db } from "../client.ts";
import { projectAiSessionMetrics, projects, projectVersions, sessionResumeAttempts } from "../schema.ts";

export async function projectActivity(db: Db, userId: string, projectId: string, limit: number): Promise<ProjectActivity | null> {
  const owned = await db
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.id, projectId), eq(projects.ownerUserId, userId)))
    .limit(1);
  if (owned.length === 0) return null;

  const m = projectAiSessionMetrics;
  const v = projectVersions;
  const operations = await db
    .select({
      id: m.id, versionNumber: v.versionNumber, branch: v.branch, operation: m.operation, sessionIdIn: m.sessionIdIn, sessionIdOut: m.sessionIdOut,
      inputTokens: m.inputTokens, outputTokens: m.outputTokens, cacheCreationInputTokens: m.cacheCreationInputTokens,
      cacheReadInputTokens: m.cacheReadInputTokens, costUsd: m.costUsd, durationMs: m.durationMs, numTurns: m.numTurns,
      toolCalls: m.toolCalls, filesRead: m.filesRead, cache: m.cache, createdAt: m.createdAt,
    })
    .from(m)
    .innerJoin(v, eq(v.id, m.versionId))
    .where(eq(m.projectId, projectId))
    .orderBy(desc(m.id))
    .limit(limit);

  const a = sessionResumeAttempts;
  const attempts = await db
    .select({
      id: a.id, versionNumber: v.versionNumber, outcome: a.outcome, reason: a.reason, requestedSessionId: a.requestedSessionId,
      returnedSessionId: a.returnedSessionId, attemptNumber: a.attemptNumber, createdAt: a.createdAt,
    })
    .from(a)
    .leftJoin(v, eq(v.id, a.versionId))
    .where(eq(a.projectId, projectId))
    .orderBy(desc(a.id))
    .limit(limit);

  return {
    operations: operations.reverse().map(({ createdAt, ...row }): OperationRecord => ({ ...row, cacheNote: cacheNote(row.cache), at: createdAt.toISOString() })),
    attempts: attempts.reverse().map(({ createdAt, ...row }): AttemptRecord => ({ ...row, at: createdAt.toISOString() })),
  };
}
