import { runInDurableObject } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { PgWrite } from "../../src/db/repo/writes.ts";
import { outboxDeadLetters, projectVersions, sessionResumeAttempts } from "../../src/db/schema.ts";
import type { VersionView } from "../../src/domain/views.ts";
import { newId } from "../../src/ids.ts";
import type { MetricsReport } from "../../src/metrics/types.ts";
import { api, db, newUser, postUpdate, projectStub, readyProject, waitForJob } from "./helpers.ts";

async function queue(user: string, projectId: string): Promise<{ outbox: number; deadLetters: number }> {
  return (await api("GET", `/v1/projects/${projectId}`, { user })).body["queue"] as { outbox: number; deadLetters: number };
}

async function outcomes(projectId: string): Promise<string[]> {
  const rows = await db((d) => d.select().from(sessionResumeAttempts).where(eq(sessionResumeAttempts.projectId, projectId)));
  return rows.map((r) => r.outcome);
}

describe("the outbox never blocks on a write Postgres refuses for good", () => {
  it("a refused write goes to the dead letter, counted; the writes after it land and the next updates resume", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    // A write Postgres can never take (text with NUL: SQLSTATE 22021), as a bad value that
    // got past the API once would have been; it waits at the head of the outbox.
    const poison: PgWrite = { op: "insert_version", id: newId("ver"), projectId, versionNumber: 99, kind: "update", prompt: "a\u0000b", jobId: newId("job") };
    await runInDurableObject(projectStub(projectId), (_instance, state) => {
      state.storage.sql.exec("INSERT INTO outbox (op, payload) VALUES (?, ?)", poison.op, JSON.stringify(poison));
    });

    const first = await waitForJob(user, projectId, (await postUpdate(user, projectId, "after the poison")).jobId);
    expect(first.status).toBe("succeeded");
    // The second update resumes the first one's session: Postgres got the rows that prove it.
    const second = await waitForJob(user, projectId, (await postUpdate(user, projectId, "and again")).jobId);
    expect(second.resume).toEqual({ decision: "resume", reason: "resumable" });
    expect(second.sessionIdIn).toBe(first.sessionIdOut);
    expect(await outcomes(projectId)).not.toContain("security_violation");

    // Reading the versions flushes the outbox first (the job's last writes may still be on their way).
    const versions = await api("GET", `/v1/projects/${projectId}/versions`, { user });
    expect(versions.status).toBe(200);
    expect((versions.body["versions"] as VersionView[]).map((v) => [v.versionNumber, v.status])).toEqual([[1, "succeeded"], [2, "succeeded"], [3, "succeeded"]]);
    expect(await queue(user, projectId)).toMatchObject({ outbox: 0, deadLetters: 1 });

    // Postgres learns that (not what) it refused, and the metrics count it.
    const recorded = await db((d) => d.select().from(outboxDeadLetters).where(eq(outboxDeadLetters.projectId, projectId)));
    expect(recorded.map((r) => [r.op, r.sqlState])).toEqual([["insert_version", "22021"]]);
    const metrics = (await api("GET", "/v1/metrics", { user })).body as unknown as MetricsReport;
    expect(metrics.deadLetters).toEqual({ total: 1, byOp: [{ key: "insert_version", count: 1 }] });
    // The refused write stays in the Durable Object with its error, for an operator.
    const kept = await runInDurableObject(projectStub(projectId), (_instance, state) =>
      state.storage.sql.exec<{ op: string; sql_state: string; error: string }>("SELECT op, sql_state, error FROM outbox_dead").toArray());
    expect(kept).toEqual([{ op: "insert_version", sql_state: "22021", error: expect.stringMatching(/0x00/) }]);
  });

  it("a version whose rows Postgres refused makes the next resume unverified, never a violation, and the one after resumes", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    // Version 2 already exists in Postgres under other ids (a unique violation, 23505,
    // for the next job's version row); everything recording its session is refused too.
    await db((d) => d.insert(projectVersions).values({ id: newId("ver"), projectId, versionNumber: 2, kind: "update", prompt: "squatter", jobId: newId("job") }));

    const refused = await waitForJob(user, projectId, (await postUpdate(user, projectId, "its rows will be refused")).jobId);
    expect(refused.status).toBe("succeeded");
    const next = await waitForJob(user, projectId, (await postUpdate(user, projectId, "next")).jobId);
    expect(next.status).toBe("succeeded");
    expect(next.resume).toEqual({ decision: "fresh", reason: "fallback:ownership_unverified" });
    const audit = await db((d) =>
      d.select().from(sessionResumeAttempts).where(and(eq(sessionResumeAttempts.projectId, projectId), eq(sessionResumeAttempts.requestedSessionId, refused.sessionIdOut ?? ""))));
    expect(audit.map((a) => [a.outcome, a.reason])).toEqual([["ownership_unverified", "Postgres refused the rows that record this session (dead letter)"]]);
    expect(await outcomes(projectId)).not.toContain("security_violation");

    const after = await waitForJob(user, projectId, (await postUpdate(user, projectId, "and after")).jobId);
    expect(after.resume).toEqual({ decision: "resume", reason: "resumable" });
    expect(after.sessionIdIn).toBe(next.sessionIdOut);
    expect((await queue(user, projectId)).deadLetters).toBeGreaterThan(0);
  });
});
