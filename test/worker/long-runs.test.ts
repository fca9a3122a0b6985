import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { calls, fake, job, newUser, postUpdate, projectStub, readyProject, runs, waitForJob } from "./helpers.ts";
import type { FakeRunInfo } from "./helpers.ts";
import type { ProjectDO } from "../../src/do/project-do.ts";

/** Points this one Durable Object instance at a Postgres that refuses connections (as test/worker/outbox.test.ts does). */
function setDatabaseUrl(instance: ProjectDO, url: string): void {
  (instance as unknown as { env: Env }).env = { ...env, DATABASE_URL: url };
}

// How an alarm invocation is killed here: `state.abort()` inside the object (through
// runInDurableObject) resets the instance at once, the way Cloudflare ends an invocation
// that ran out of time or memory: the alarm handler's promise is dropped mid-await and
// nothing after the last storage write happens. (evictDurableObject is graceful: it waits
// for the running alarm to finish, so it kills nothing.) The next invocation is then
// fired with runDurableObjectAlarm, as the watchdog alarm would fire it later.
async function killInvocation(projectId: string): Promise<void> {
  await runInDurableObject(projectStub(projectId), (_instance, state) => state.abort("killed by the test")).catch(() => undefined);
}

/** Fires the next alarm invocation without waiting for it (it may block on a held run). */
function fireAlarm(projectId: string): void {
  void runDurableObjectAlarm(projectStub(projectId)).catch(() => undefined);
}

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function updateRun(projectId: string, where: (run: FakeRunInfo) => boolean = () => true): Promise<[string, FakeRunInfo] | null> {
  return Object.entries(await runs(projectId)).find(([, run]) => run.operation === "update" && where(run)) ?? null;
}

async function eventTypes(user: string, projectId: string, jobId: string): Promise<string[]> {
  const events = await env.PROJECT.getByName(projectId).jobEvents(user, jobId, 0);
  return events.ok ? events.value.events.map((e) => e.type) : [];
}

describe("runs that outlive an alarm invocation", () => {
  it("an invocation whose budget runs out hands over mid-run; the next ones follow the same run, never starting it again", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "hold", { operation: "update" });
    const { jobId } = await postUpdate(user, projectId, "a long update");
    // JOB_INVOCATION_BUDGET_MS is 2 s in the tests: three follows mean three invocations.
    const [runId] = await until("three invocations following the run", () => updateRun(projectId, (run) => run.follows >= 3));
    expect((await job(user, projectId, jobId)).status).toBe("running");
    await fake(projectId, "release", {});
    const done = await waitForJob(user, projectId, jobId);
    expect(done.status).toBe("succeeded");
    const run = (await runs(projectId))[runId];
    expect(run).toMatchObject({ starts: 1, finished: true });
    expect((await calls(projectId)).calls.filter((c) => c.operation === "update")).toHaveLength(1);
    expect(await eventTypes(user, projectId, jobId)).toContain("continued");
  });

  it("an alarm invocation killed mid-step: the next invocation picks the run up instead of restarting the step", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "hold", { operation: "update" });
    const { jobId } = await postUpdate(user, projectId, "survive a kill");
    await until("the DO following the held run", () => updateRun(projectId, (run) => run.held && run.openFollows > 0));
    await killInvocation(projectId);
    await fake(projectId, "release", {});
    fireAlarm(projectId);
    const done = await waitForJob(user, projectId, jobId);
    expect(done.status).toBe("succeeded");
    const updates = Object.values(await runs(projectId)).filter((run) => run.operation === "update");
    expect(updates).toHaveLength(1);
    expect(updates[0]?.starts).toBe(1);
    expect((await calls(projectId)).calls.filter((c) => c.operation === "update").map((c) => c.outcome)).toEqual(["ok"]);
  });

  it("an invocation lost mid-job is noticed by the next request, not the watchdog: the job continues within 30 s", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "hold", { operation: "update" });
    const { jobId } = await postUpdate(user, projectId, "lost and noticed");
    await until("the DO following the held run", () => updateRun(projectId, (run) => run.held && run.openFollows > 0));
    await killInvocation(projectId);
    await fake(projectId, "release", {});
    // No alarm is fired by hand: the dead invocation's watchdog is JOB_INVOCATION_BUDGET_MS
    // + 2 min away. Only the job polls below reach the object.
    const done = await waitForJob(user, projectId, jobId, 30_000);
    expect(done.status).toBe("succeeded");
    expect(await eventTypes(user, projectId, jobId)).toContain("continued");
    const updates = Object.values(await runs(projectId)).filter((run) => run.operation === "update");
    expect(updates.map((run) => run.starts)).toEqual([1]);
  });

  it("a Postgres that refuses for an invocation does not turn a live resumed run into a fresh one", async () => {
    const user = newUser();
    const { projectId, headSessionId } = await readyProject(user);
    const stub = projectStub(projectId);
    await fake(projectId, "hold", { operation: "update" });
    const { jobId } = await postUpdate(user, projectId, "resumed across a blip");
    const [runId, first] = await until("the DO following the held run", () => updateRun(projectId, (run) => run.held && run.openFollows > 0));
    await runInDurableObject(stub, (instance: ProjectDO) => setDatabaseUrl(instance, "postgres://postgres:postgres@127.0.0.1:9/none"));
    // At least one invocation boundary (JOB_INVOCATION_BUDGET_MS is 2 s) passes while Postgres refuses.
    await until("a later invocation following the run, or the run given up", async () => {
      const run = (await runs(projectId))[runId];
      return run === undefined || run.finished || run.follows > first.follows + 1 ? true : null;
    });
    await runInDurableObject(stub, (instance: ProjectDO) => setDatabaseUrl(instance, env.DATABASE_URL));
    await fake(projectId, "release", {});
    const done = await waitForJob(user, projectId, jobId);
    expect(done.status).toBe("succeeded");
    expect(done.resume).toEqual({ decision: "resume", reason: expect.not.stringContaining("fallback") as unknown as string });
    expect(done.sessionIdIn).toBe(headSessionId);
    const updates = (await calls(projectId)).calls.filter((c) => c.operation === "update");
    expect(updates.map((c) => [c.resumeSessionId, c.outcome])).toEqual([[headSessionId, "ok"]]);
    expect((await runs(projectId))[runId]).toMatchObject({ starts: 1, finished: true });
  });

  it("a run lost while its invocation was dead (runner restart) is re-run from the workspace reset to the chain's tree", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const before = (await calls(projectId)).files;
    await fake(projectId, "failures", { failures: [{ operation: "update", dirty: true, count: 1 }] });
    await fake(projectId, "hold", { operation: "update" });
    const { jobId } = await postUpdate(user, projectId, "lost and redone");
    await until("the DO following the held run", () => updateRun(projectId, (run) => run.held && run.openFollows > 0));
    await killInvocation(projectId);
    // While no invocation runs, the runner restarts: the run is lost, its half-edit stays on disk.
    await fake(projectId, "restart", {});
    await fake(projectId, "release", {});
    fireAlarm(projectId);
    const done = await waitForJob(user, projectId, jobId);
    expect(done.status).toBe("succeeded");
    const log = await calls(projectId);
    expect(log.calls.filter((c) => c.operation === "update").map((c) => c.outcome)).toEqual(["run_lost", "ok"]);
    expect(Object.values(await runs(projectId)).every((run) => run.starts === 1)).toBe(true);
    expect(log.files["src/half-done.txt"]).toBeUndefined();
    for (const [path, content] of Object.entries(before)) expect(log.files[path]).toBe(content);
  });

  it("after JOB_MAX_INTERRUPTIONS invocations that died without progress the job fails, and the next job runs", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "hold", { operation: "update" });
    const doomed = await postUpdate(user, projectId, "never gets anywhere");
    const next = await postUpdate(user, projectId, "runs after it");
    const [runId] = await until("the DO following the held run", () => updateRun(projectId, (run) => run.openFollows > 0));
    // Kill every invocation while it follows the run (which says nothing more), until the
    // job gives up. Each kill after the first is a death without progress.
    let kills = 0;
    while ((await job(user, projectId, doomed.jobId)).status === "running") {
      if (kills >= 12) throw new Error("the job never gave up");
      const follows = (await runs(projectId))[runId]?.follows ?? 0;
      await killInvocation(projectId);
      kills += 1;
      fireAlarm(projectId);
      await until("the next invocation", async () => {
        const status = (await job(user, projectId, doomed.jobId)).status;
        const run = (await runs(projectId))[runId];
        return status !== "running" || ((run?.follows ?? 0) > follows && (run?.openFollows ?? 0) > 0) ? true : null;
      });
    }
    const failed = await job(user, projectId, doomed.jobId);
    expect(failed.status).toBe("failed");
    expect(failed.error).toEqual({ code: "job_interrupted", message: "The update was interrupted 3 times without making progress and was stopped." });
    expect(kills).toBeGreaterThanOrEqual(4);
    // its run was started once, then cancelled so it no longer holds the workspace
    const cancelled = await until("the run cancelled", async () => ((await runs(projectId))[runId]?.finished === true ? (await runs(projectId))[runId] : null));
    expect(cancelled?.starts).toBe(1);
    await fake(projectId, "release", {});
    const after = await waitForJob(user, projectId, next.jobId);
    expect(after.status).toBe("succeeded");
  });
});
