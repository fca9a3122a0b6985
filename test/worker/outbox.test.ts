import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ProjectDO } from "../../src/do/project-do.ts";
import type { VersionView } from "../../src/domain/views.ts";
import { eq } from "drizzle-orm";
import { applyWrite } from "../../src/db/repo/writes.ts";
import type { PgWrite } from "../../src/db/repo/writes.ts";
import { sessionResumeAttempts } from "../../src/db/schema.ts";
import { api, db, newUser, postUpdate, projectStub, readyProject, waitForJob } from "./helpers.ts";

/** Points this one Durable Object instance at a Postgres that refuses connections. */
function setDatabaseUrl(instance: ProjectDO, url: string): void {
  (instance as unknown as { env: Env }).env = { ...env, DATABASE_URL: url };
}

describe("Postgres outage", () => {
  it("loses nothing: the job completes, writes wait in the outbox, and land once Postgres is back", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const stub = projectStub(projectId);
    await runInDurableObject(stub, (instance: ProjectDO) => setDatabaseUrl(instance, "postgres://postgres:postgres@127.0.0.1:9/none"));

    const { jobId } = await postUpdate(user, projectId, "while the database is down");
    const done = await waitForJob(user, projectId, jobId);
    expect(done.status).toBe("succeeded");
    // Ownership could not be checked in Postgres: fail closed, start fresh.
    expect(done.resume?.reason).toBe("fallback:ownership_unverified");
    const project = await api("GET", `/v1/projects/${projectId}`, { user });
    expect((project.body["queue"] as { outbox: number }).outbox).toBeGreaterThan(0);
    const unavailable = await api("GET", `/v1/projects/${projectId}/versions`, { user });
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toEqual({ error: { code: "unavailable", message: "the version store is unavailable, try again" } });

    await runInDurableObject(stub, (instance: ProjectDO) => setDatabaseUrl(instance, env.DATABASE_URL));
    expect(await runDurableObjectAlarm(stub)).toBe(true); // the outbox retry alarm
    const after = await api("GET", `/v1/projects/${projectId}`, { user });
    expect((after.body["queue"] as { outbox: number }).outbox).toBe(0);
    const versions = (await api("GET", `/v1/projects/${projectId}/versions`, { user })).body["versions"] as VersionView[];
    expect(versions.map((v) => [v.versionNumber, v.status])).toEqual([[1, "succeeded"], [2, "succeeded"]]);
    expect(versions[1]?.aiSessionId).toBe(done.sessionIdOut);
    expect(versions[1]?.resumeReason).toBe("fallback:ownership_unverified");
  });

  it("an audit or metrics insert replayed from the outbox lands once", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const write: PgWrite = {
      op: "insert_attempt",
      key: crypto.randomUUID(),
      row: { projectId, versionId: null, userId: user, requestedSessionId: null, returnedSessionId: null, outcome: "skipped", reason: "replay test", attemptNumber: 1, errorText: null },
    };
    await db(async (d) => {
      await applyWrite(d, write);
      await applyWrite(d, write); // as after a DO that stopped before deleting the outbox row
    });
    const rows = await db((d) => d.select().from(sessionResumeAttempts).where(eq(sessionResumeAttempts.reason, "replay test")));
    expect(rows.filter((r) => r.projectId === projectId)).toHaveLength(1);
  });
});
