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
});
