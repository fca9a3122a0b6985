// The local Postgres recipe end to end: start the database (real Postgres when
// its binaries are installed, and PGlite), apply the migrations, then use the
// NEON DRIVER through the WebSocket proxy, as the Worker does in dev and tests.
import { readFileSync } from "node:fs";
import { neonConfig } from "@neondatabase/serverless";
import { and, eq, sql } from "drizzle-orm";
import { createRequire } from "node:module";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPgBinaries } from "../../scripts/db/pg-binaries.ts";
import { startDatabase } from "../../scripts/db/start-database.ts";
import type { DatabaseKind, RunningDatabase } from "../../scripts/db/start-database.ts";
import { openDb, withDb } from "../../src/db/client.ts";
import { localNeonProxy } from "../../src/db/local.ts";
import {
  projectAiSessionMetrics,
  projects,
  projectVersions,
  sessionResumeAttempts,
} from "../../src/db/schema.ts";

// Node has no WebSocket the driver can rely on everywhere: use `ws` (CJS build).
const ws = createRequire(import.meta.url)("ws") as Pick<typeof import("ws"), "WebSocket">;
neonConfig.webSocketConstructor = ws.WebSocket;

const kinds: DatabaseKind[] = findPgBinaries() === null ? ["pglite"] : ["postgres", "pglite"];

function randomId(prefix: string, length = 24): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** The Postgres error under drizzle's DrizzleQueryError wrapper. */
function pgErrorOf(error: unknown): { code?: string; constraint?: string } {
  let e: unknown = error;
  for (let depth = 0; depth < 3 && e instanceof Error; depth++) {
    if ("code" in e && typeof e.code === "string") return e as { code?: string; constraint?: string };
    e = e.cause;
  }
  return {};
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe.each(kinds)("%s through the Neon driver", (kind) => {
  let database: RunningDatabase;
  let env: { DATABASE_URL: string; NEON_LOCAL_WS_PROXY: string };

  beforeAll(async () => {
    const started = Date.now();
    database = await startDatabase({ prefer: kind });
    console.log(`${database.kind} ready with migrations in ${Date.now() - started} ms: ${database.url}`);
    env = { DATABASE_URL: database.url, NEON_LOCAL_WS_PROXY: database.wsProxy };
  }, 60_000);

  afterAll(async () => {
    await database?.stop();
  });

  it("starts the requested kind", () => {
    expect(database.kind).toBe(kind);
    expect(database.url).toMatch(/^postgres:\/\/postgres:postgres@127\.0\.0\.1:\d+\/\w+$/);
  });

  it("routes the driver through the local proxy and sees the migrated tables", async () => {
    const rows = await withDb(env, (db) =>
      db.execute<{ table_name: string }>(
        sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
      ),
    );
    expect(localNeonProxy()).toBe(database.wsProxy);
    expect(rows.rows.map((r) => r.table_name)).toEqual([
      "outbox_dead_letters",
      "project_ai_session_metrics",
      "project_versions",
      "projects",
      "session_resume_attempts",
    ]);
  });

  it("inserts and reads a project and its version", async () => {
    const projectId = randomId("prj_");
    const versionId = randomId("ver_");
    await withDb(env, async (db) => {
      await db.insert(projects).values({ id: projectId, ownerUserId: "user_1", name: "Todo app" });
      await db.insert(projectVersions).values({
        id: versionId,
        projectId,
        versionNumber: 1,
        kind: "create",
        prompt: "Build a todo app",
        jobId: randomId("job_"),
        aiSessionId: "0a7c3e2e-3f6f-4a55-9d1e-4c7f1b0f9c11",
        aiSessionCreatedAt: new Date("2025-01-02T03:04:05.678Z"),
        recommendations: { next: ["add auth"], score: 0.5 },
        inputTokens: 1200,
        cacheReadInputTokens: 45_000,
        costUsd: 0.123456,
      });

      const [project] = await db.select().from(projects).where(eq(projects.id, projectId));
      expect(project).toMatchObject({ ownerUserId: "user_1", name: "Todo app", resumeEnabled: null });
      expect(project?.createdAt).toBeInstanceOf(Date);

      const version = await db.query.projectVersions.findFirst({
        where: and(eq(projectVersions.projectId, projectId), eq(projectVersions.versionNumber, 1)),
        with: { project: true },
      });
      expect(version).toMatchObject({
        id: versionId,
        kind: "create",
        status: "queued",
        outputTokens: 0,
        cacheReadInputTokens: 45_000,
        costUsd: 0.123456,
        durationMs: 0,
        recommendations: { next: ["add auth"], score: 0.5 },
        resumeDecision: null,
        completedAt: null,
        project: { id: projectId },
      });
      expect(version?.aiSessionCreatedAt?.toISOString()).toBe("2025-01-02T03:04:05.678Z");

      await db
        .update(projectVersions)
        .set({ status: "succeeded", completedAt: new Date() })
        .where(eq(projectVersions.id, versionId));
      const [updated] = await db.select().from(projectVersions).where(eq(projectVersions.id, versionId));
      expect(updated?.status).toBe("succeeded");
      expect(updated?.updatedAt.getTime()).toBeGreaterThanOrEqual(version?.updatedAt.getTime() ?? 0);
    });
  });

  it("rejects a second version with the same (project_id, version_number)", async () => {
    const projectId = randomId("prj_");
    const { db, close } = openDb(env);
    try {
      await db.insert(projects).values({ id: projectId, ownerUserId: "user_2", name: "p" });
      const version = {
        projectId,
        versionNumber: 1,
        kind: "create" as const,
        prompt: "first",
      };
      await db.insert(projectVersions).values({ ...version, id: randomId("ver_"), jobId: randomId("job_") });
      const error = await caught(
        db.insert(projectVersions).values({ ...version, id: randomId("ver_"), jobId: randomId("job_") }),
      );
      expect(pgErrorOf(error)).toMatchObject({
        code: "23505",
        constraint: "project_versions_project_id_version_number_unique",
      });
      // Version 2 of the same project and version 1 of another are fine.
      await db
        .insert(projectVersions)
        .values({ ...version, versionNumber: 2, id: randomId("ver_"), jobId: randomId("job_") });
      const rows = await db.select().from(projectVersions).where(eq(projectVersions.projectId, projectId));
      expect(rows.map((r) => r.versionNumber).sort()).toEqual([1, 2]);
    } finally {
      await close();
    }
  });

  it("enforces the id format, the enums and the job_id uniqueness", async () => {
    await withDb(env, async (db) => {
      expect(
        pgErrorOf(await caught(db.insert(projects).values({ id: "prj_TOO_SHORT", ownerUserId: "u", name: "n" }))),
      ).toMatchObject({ code: "23514", constraint: "projects_id_format" });

      const projectId = randomId("prj_");
      await db.insert(projects).values({ id: projectId, ownerUserId: "u", name: "n" });
      const jobId = randomId("job_");
      const base = { projectId, kind: "create" as const, prompt: "p", jobId };
      await db.insert(projectVersions).values({ ...base, id: randomId("ver_"), versionNumber: 1 });
      expect(
        pgErrorOf(await caught(db.insert(projectVersions).values({ ...base, id: randomId("ver_"), versionNumber: 2 }))),
      ).toMatchObject({ code: "23505", constraint: "project_versions_job_id_unique" });

      const badStatus = sql`insert into project_versions (id, project_id, version_number, kind, prompt, status, job_id)
        values (${randomId("ver_")}, ${projectId}, 3, 'update', 'p', 'paused', ${randomId("job_")})`;
      expect(pgErrorOf(await caught(db.execute(badStatus)))).toMatchObject({
        code: "23514",
        constraint: "project_versions_status_check",
      });
    });
  });

  it("records session metrics and resume attempts with generated ids", async () => {
    await withDb(env, async (db) => {
      const projectId = randomId("prj_");
      const versionId = randomId("ver_");
      await db.insert(projects).values({ id: projectId, ownerUserId: "u", name: "n" });
      await db.insert(projectVersions).values({
        id: versionId,
        projectId,
        versionNumber: 1,
        kind: "update",
        prompt: "p",
        jobId: randomId("job_"),
        resumeDecision: "resume",
      });
      const [metric] = await db
        .insert(projectAiSessionMetrics)
        .values([
          { projectId, versionId, operation: "compact", sessionIdIn: "s1", sessionIdOut: "s1" },
          { projectId, versionId, operation: "update", sessionIdIn: "s1", sessionIdOut: "s2", costUsd: 0.5, numTurns: 3 },
        ])
        .returning();
      expect(metric).toMatchObject({ operation: "compact", isResumable: true, resumeFailureCount: 0, costUsd: 0 });
      expect(typeof metric?.id).toBe("number");

      const [attempt] = await db
        .insert(sessionResumeAttempts)
        .values({
          projectId,
          versionId,
          userId: "u",
          requestedSessionId: "s1",
          returnedSessionId: "s2",
          outcome: "forked",
          reason: "fork per version",
          attemptNumber: 1,
        })
        .returning();
      expect(attempt).toMatchObject({ outcome: "forked", errorText: null, versionId });

      const total = await db
        .select({ cost: sql<number>`sum(${projectAiSessionMetrics.costUsd})`.mapWith(Number) })
        .from(projectAiSessionMetrics)
        .where(eq(projectAiSessionMetrics.projectId, projectId));
      expect(total[0]?.cost).toBe(0.5);

      // Deleting the version keeps the audit row (version_id set null) and drops its metrics.
      await db.delete(projectVersions).where(eq(projectVersions.id, versionId));
      const after = await db.select().from(sessionResumeAttempts).where(eq(sessionResumeAttempts.projectId, projectId));
      expect(after).toHaveLength(1);
      expect(after[0]?.versionId).toBeNull();
      expect(
        await db.select().from(projectAiSessionMetrics).where(eq(projectAiSessionMetrics.projectId, projectId)),
      ).toHaveLength(0);
    });
  });

  it("leaves no connection open in the proxy once the Pool is closed", async () => {
    const { db, close } = openDb(env);
    await Promise.all([1, 2, 3].map((n) => db.execute(sql`select ${n}::int as n`)));
    expect(database.wsProxyConnections()).toBeGreaterThan(0);
    await close();
    // The driver sends Terminate; the proxy ends TCP; the server closes; the proxy terminates the WebSocket.
    const deadline = Date.now() + 5000;
    while (database.wsProxyConnections() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(database.wsProxyConnections()).toBe(0);
  });

  it("also accepts node-postgres (pg) on the same URL", async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const result = await client.query<{ n: string }>("select count(*) as n from drizzle.__drizzle_migrations");
      // one row per migration drizzle-kit generated (migrations/meta/_journal.json)
      const journal = JSON.parse(readFileSync(new URL("../../migrations/meta/_journal.json", import.meta.url), "utf8")) as { entries: unknown[] };
      expect(Number(result.rows[0]?.n)).toBe(journal.entries.length);
    } finally {
      await client.end();
    }
  });
});
