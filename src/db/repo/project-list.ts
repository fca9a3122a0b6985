// One owner's projects, newest first, a page at a time, each with its latest version, its
// queue as the version rows show it, its resume success and its cost so far.
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { base64url } from "jose";
import type { SQL } from "drizzle-orm";
import type { ProjectSummary } from "../../domain/console-views.ts";
import { NOT_TRIED, SUCCEEDED } from "../../metrics/resume.ts";
import type { Db } from "../client.ts";
import { projects, projectVersions, sessionResumeAttempts } from "../schema.ts";

/** Where a page ends: the last row's created_at (as Postgres text, microseconds kept) and id. */
export interface PageKey {
  createdAt: string;
  id: string;
}

/** Opaque to clients: base64url of the page key's JSON. */
export function encodeCursor(key: PageKey): string {
  return base64url.encode(JSON.stringify([key.createdAt, key.id]));
}

/** The page key of a cursor, or null when it is not one this code made. */
export function decodeCursor(cursor: string): PageKey | null {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(base64url.decode(cursor)));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [createdAt, id] = value as unknown[];
    if (typeof createdAt !== "string" || typeof id !== "string") return null;
    // Postgres' own timestamptz text, e.g. "2026-08-01 10:11:12.123456+00".
    if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(createdAt)) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}

const count = (condition: SQL) => sql<number>`count(*) filter (where ${condition})`.mapWith(Number);

export async function listOwnedProjects(db: Db, userId: string, limit: number, after: PageKey | null): Promise<{ projects: ProjectSummary[]; next: PageKey | null }> {
  const p = projects;
  const createdText = sql<string>`${p.createdAt}::text`;
  const rows = await db
    .select({ id: p.id, name: p.name, createdAt: p.createdAt, createdText, resumeOverride: p.resumeEnabled })
    .from(p)
    .where(and(eq(p.ownerUserId, userId), after === null ? undefined : sql`(${p.createdAt}, ${p.id}) < (${after.createdAt}::timestamptz, ${after.id})`))
    .orderBy(desc(p.createdAt), desc(p.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const ids = page.map((r) => r.id);
  if (ids.length === 0) return { projects: [], next: null };

  const v = projectVersions;
  const latest = await db
    .selectDistinctOn([v.projectId], {
      projectId: v.projectId, number: v.versionNumber, kind: v.kind, status: v.status, resumeDecision: v.resumeDecision,
      resumeReason: v.resumeReason, createdAt: v.createdAt, completedAt: v.completedAt,
    })
    .from(v)
    .where(inArray(v.projectId, ids))
    .orderBy(v.projectId, desc(v.versionNumber));
  const totals = await db
    .select({
      projectId: v.projectId,
      queued: count(sql`${v.status} = 'queued'`),
      running: count(sql`${v.status} = 'running'`),
      costUsd: sql<number>`coalesce(sum(${v.costUsd}), 0)`.mapWith(Number),
      versions: sql<number>`count(*)`.mapWith(Number),
    })
    .from(v)
    .where(inArray(v.projectId, ids))
    .groupBy(v.projectId);
  const a = sessionResumeAttempts;
  const attempts = await db
    .select({
      projectId: a.projectId,
      tried: count(sql`not ${inArray(a.outcome, [...NOT_TRIED])}`),
      succeeded: count(inArray(a.outcome, [...SUCCEEDED])),
    })
    .from(a)
    .where(inArray(a.projectId, ids))
    .groupBy(a.projectId);

  const latestBy = new Map(latest.map((r) => [r.projectId, r]));
  const totalsBy = new Map(totals.map((r) => [r.projectId, r]));
  const attemptsBy = new Map(attempts.map((r) => [r.projectId, r]));
  const summaries = page.map((row): ProjectSummary => {
    const l = latestBy.get(row.id);
    const t = totalsBy.get(row.id);
    const tried = attemptsBy.get(row.id)?.tried ?? 0;
    const succeeded = attemptsBy.get(row.id)?.succeeded ?? 0;
    return {
      id: row.id,
      name: row.name,
      createdAt: row.createdAt.toISOString(),
      resumeOverride: row.resumeOverride,
      latestVersion: l === undefined ? null : {
        number: l.number, kind: l.kind, status: l.status, resumeDecision: l.resumeDecision, resumeReason: l.resumeReason,
        createdAt: l.createdAt.toISOString(), completedAt: l.completedAt === null ? null : l.completedAt.toISOString(),
      },
      queue: { queued: t?.queued ?? 0, running: t?.running ?? 0 },
      resume: { tried, succeeded, successRate: tried === 0 ? null : succeeded / tried },
      costUsd: t?.costUsd ?? 0,
      versions: t?.versions ?? 0,
    };
  });
  const last = page[page.length - 1];
  const next = rows.length > limit && last !== undefined ? { createdAt: last.createdText, id: last.id } : null;
  return { projects: summaries, next };
}
