import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { jobLimits } from "../../src/config.ts";
import { Suspended } from "../../src/do/budget.ts";
import type { ProjectState } from "../../src/do/project-state.ts";
import { calls, newUser, postUpdate, projectStub, readyProject, waitForJob } from "./helpers.ts";

/** The object's storage, as the scheduler sees it (to inject a fault into one call). */
function stateOf(instance: unknown): ProjectState {
  return (instance as { state: ProjectState }).state;
}

describe("scheduling the queue", () => {
  it("an update enqueued behind a later alarm (an outbox retry 5 minutes out) is looked at now", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const stub = projectStub(projectId);
    // The create job's invocation has ended once it deleted its alarm (the job shows
    // succeeded a moment before).
    for (let i = 0; i < 200 && (await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())) !== null; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const fiveMinutes = Date.now() + 5 * 60_000;
    await runInDurableObject(stub, (_instance, state) => state.storage.setAlarm(fiveMinutes));
    const { jobId } = await postUpdate(user, projectId, "not in 5 minutes");
    // The 5-minute alarm no longer stands: it was moved to now (and may have fired already,
    // leaving the running job's watchdog or nothing).
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBe(fiveMinutes);
    expect((await waitForJob(user, projectId, jobId)).status).toBe("succeeded");
  });

  it("a throw in the alarm's setup, after the slot was taken, neither leaves the object busy nor keeps the slot", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const stub = projectStub(projectId);
    await runInDurableObject(stub, (instance) => {
      const jobs = stateOf(instance).jobs;
      const setRunnerSlot = jobs.setRunnerSlot.bind(jobs);
      let thrown = false;
      jobs.setRunnerSlot = (id, slot) => {
        if (!thrown) {
          thrown = true;
          throw new Error("injected: storage refused once");
        }
        setRunnerSlot(id, slot);
      };
    });
    const { jobId } = await postUpdate(user, projectId, "after a failed setup");
    const done = await waitForJob(user, projectId, jobId);
    expect(done.status).toBe("succeeded");
    // Released when the job ended (just after it shows succeeded): no heartbeat of the failed
    // invocation keeps renewing it.
    const pool = env.RUNNER_POOL.getByName("pool");
    let held = true;
    for (let i = 0; i < 100 && held; i++) {
      await new Promise((r) => setTimeout(r, 50));
      held = await pool.renew(jobId);
    }
    expect(held).toBe(false);
  });

  it("a runner slot's lease outlives the watchdog, so a job that comes back finds its slot its own", async () => {
    const pool = env.RUNNER_POOL.getByName("pool");
    const holder = `job_${crypto.randomUUID()}`;
    const before = Date.now();
    expect(await pool.acquire({ projectId: "prj_lease", holder, slot: null })).toMatchObject({ granted: true });
    const expiresAt = await runInDurableObject(pool, (_instance, state) =>
      state.storage.sql.exec<{ expires_at: number }>("SELECT expires_at FROM slots WHERE holder = ?", holder).one().expires_at);
    const limits = jobLimits(env);
    // The pool's lease is the one the job limits derive from the budget (not a fixed figure).
    expect(expiresAt - before).toBeGreaterThanOrEqual(limits.slotLeaseMs);
    expect(expiresAt - before).toBeLessThan(limits.slotLeaseMs + 10_000);
    expect(limits.slotLeaseMs).toBeGreaterThan(limits.watchdogMs);
    // The production budget (wrangler.toml: 10 min): watchdog 12 min, lease longer.
    const production = jobLimits({ ...env, JOB_INVOCATION_BUDGET_MS: "600000" });
    expect(production.slotLeaseMs).toBeGreaterThan(production.watchdogMs);
    await pool.release(holder);
  });

  it("a lease renewed by the heartbeat still holds when the production watchdog fires: the slot is refused to others and kept for its job (finding 11)", async () => {
    // A pool of its own on the production budget (wrangler.toml: 10 min, so the watchdog is 12 min).
    const pool = env.RUNNER_POOL.getByName(`pool-${crypto.randomUUID()}`);
    const production = jobLimits({ ...env, JOB_INVOCATION_BUDGET_MS: "600000" });
    expect(production.watchdogMs).toBe(12 * 60_000);
    await runInDurableObject(pool, (instance) => {
      const holder = instance as unknown as { env: Env };
      holder.env = { ...holder.env, JOB_INVOCATION_BUDGET_MS: "600000" };
    });
    const sql = <T>(work: (sql: SqlStorage) => T): Promise<T> => runInDurableObject(pool, (_instance, state) => work(state.storage.sql));
    const job = `job_${crypto.randomUUID()}`;
    const grant = await pool.acquire({ projectId: "prj_renewed", holder: job, slot: null });
    if (!grant.granted) throw new Error("no slot");
    // The grant's own lease is nearly spent: only the renewal below can carry the slot on.
    await sql((db) => db.exec("UPDATE slots SET expires_at = ? WHERE holder = ?", Date.now() + 1_000, job));
    const renewedAt = Date.now();
    expect(await pool.renew(job)).toBe(true); // the heartbeat's call (src/do/runner-slot.ts)
    const expiresAt = await sql((db) => db.exec<{ expires_at: number }>("SELECT expires_at FROM slots WHERE holder = ?", job).one().expires_at);
    expect(expiresAt - renewedAt).toBeGreaterThan(production.watchdogMs);
    // The invocation dies right after that heartbeat; the watchdog fires watchdogMs later. The
    // clock is moved by moving the lease back as much.
    await sql((db) => db.exec("UPDATE slots SET expires_at = expires_at - ? WHERE holder = ?", production.watchdogMs, job));
    expect(await pool.acquire({ projectId: "prj_other", holder: `job_${crypto.randomUUID()}`, slot: grant.slot })).toMatchObject({ granted: false });
    expect(await pool.acquire({ projectId: "prj_renewed", holder: job, slot: grant.slot })).toEqual({ granted: true, slot: grant.slot });
    await pool.release(job);
  });

  it("a job handed over after its decision, before its run was stored, keeps that decision: one gap sample, one decision", async () => {
    const user = newUser();
    const { projectId, headSessionId } = await readyProject(user);
    const stub = projectStub(projectId);
    const gaps = (): Promise<number> => runInDurableObject(stub, (_instance, state) =>
      (JSON.parse(state.storage.sql.exec<{ gaps: string }>("SELECT gaps FROM policy_state WHERE id = 1").one().gaps) as number[]).length);
    const before = await gaps();
    // The invocation's budget runs out the moment it would store the update's run (its
    // decision is stored): it hands over, as newRun's budget check does.
    await runInDurableObject(stub, (instance) => {
      const runs = stateOf(instance).runs;
      const set = runs.set.bind(runs);
      let handedOver = false;
      runs.set = (jobId, run) => {
        if (run.step === "update" && !handedOver) {
          handedOver = true;
          throw new Suspended(false);
        }
        set(jobId, run);
      };
    });
    const { jobId } = await postUpdate(user, projectId, "decided once");
    const done = await waitForJob(user, projectId, jobId);
    expect(done.status).toBe("succeeded");
    expect(done.sessionIdIn).toBe(headSessionId);
    const events = await stub.jobEvents(user, jobId, 0);
    if (!events.ok) throw new Error("events");
    expect(events.value.events.filter((e) => e.type === "decision")).toHaveLength(1);
    expect(await gaps()).toBe(before + 1);
    expect((await calls(projectId)).calls.filter((c) => c.operation === "update").map((c) => c.resumeSessionId)).toEqual([headSessionId]);
  });

  it("a job whose invocation was killed after its decision, before its run was stored, keeps that decision too", async () => {
    const user = newUser();
    const { projectId, headSessionId } = await readyProject(user);
    // A stub is broken by the reset: a new one for each call.
    const gaps = (): Promise<number> => runInDurableObject(projectStub(projectId), (_instance, state) =>
      (JSON.parse(state.storage.sql.exec<{ gaps: string }>("SELECT gaps FROM policy_state WHERE id = 1").one().gaps) as number[]).length);
    const before = await gaps();
    // The instance is reset (as Cloudflare ends an invocation) the moment it would store the
    // update's run; the new instance has no such hook.
    await runInDurableObject(projectStub(projectId), (instance, state) => {
      const runs = stateOf(instance).runs;
      const set = runs.set.bind(runs);
      runs.set = (jobId, run) => {
        if (run.step === "update") state.abort("killed after the decision");
        set(jobId, run);
      };
    });
    const { jobId } = await postUpdate(user, projectId, "decided once, killed once");
    const done = await waitForJob(user, projectId, jobId);
    expect(done.status).toBe("succeeded");
    expect(done.sessionIdIn).toBe(headSessionId);
    const events = await projectStub(projectId).jobEvents(user, jobId, 0);
    if (!events.ok) throw new Error("events");
    expect(events.value.events.map((e) => e.type)).toContain("continued");
    expect(events.value.events.filter((e) => e.type === "decision")).toHaveLength(1);
    expect(await gaps()).toBe(before + 1);
  });
});
