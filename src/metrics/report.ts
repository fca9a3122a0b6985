// Builds one MetricsReport: the queries run one after another on one Pool (a Worker
// request may hold only a few connections at once), then R2 is listed for storage size.
import { withDb } from "../db/client.ts";
import { cacheMissTokens } from "./cache.ts";
import { deadLetterStats } from "./dead-letters.ts";
import type { DbEnv } from "../db/client.ts";
import { policyStats } from "./policy.ts";
import { queueStats } from "./queue.ts";
import { refusedToolCalls } from "./refusals.ts";
import { failures, fallbacks, resumeStats } from "./resume.ts";
import { ownedProjectIds, projectCount } from "./scope.ts";
import { sessionAgeHistogram, sessionIdChanges } from "./sessions.ts";
import { storageSize } from "./storage.ts";
import type { MetricsReport, MetricsScope } from "./types.ts";
import { updateStats } from "./updates.ts";

export interface ReportEnv extends DbEnv {
  ARTIFACTS: R2Bucket;
}

export async function buildReport(env: ReportEnv, scope: MetricsScope, now: Date = new Date()): Promise<MetricsReport> {
  const pg = await withDb(env, async (db) => {
    const ids = scope.kind === "owner" ? await ownedProjectIds(db, scope.userId) : null;
    return {
      ids,
      projects: ids === null ? await projectCount(db, scope) : ids.length,
      resume: await resumeStats(db, scope),
      fallbacks: await fallbacks(db, scope),
      failures: await failures(db, scope),
      updates: await updateStats(db, scope),
      age: await sessionAgeHistogram(db, scope),
      changes: await sessionIdChanges(db, scope),
      queue: await queueStats(db, scope),
      refused: await refusedToolCalls(db, scope),
      cacheMisses: await cacheMissTokens(db, scope),
      deadLetters: await deadLetterStats(db, scope),
      policy: await policyStats(db, scope),
    };
  });
  const storage = await storageSize(env.ARTIFACTS, pg.ids);
  return {
    scope: scope.kind,
    generatedAt: now.toISOString(),
    projects: pg.projects,
    resume: { ...pg.resume, fallbacks: pg.fallbacks },
    failures: pg.failures,
    updates: pg.updates,
    sessionAgeAtResumeSeconds: pg.age,
    sessionIdChanges: pg.changes,
    queue: pg.queue,
    refusedToolCalls: pg.refused,
    cacheMissTokens: pg.cacheMisses,
    deadLetters: pg.deadLetters,
    transcriptStorage: storage,
    policy: pg.policy,
  };
}
