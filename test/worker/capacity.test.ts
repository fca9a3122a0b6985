import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, calls, createProject, job, newUser, projectStub, waitForJob } from "./helpers.ts";

// This file has its own Durable Object storage, so filling the RunnerPool here leaves the
// other test files' runners alone.
describe("capacity: RUNNER_SLOTS runners, and a job that finds none waits", () => {
  it("shows waiting_for_runner in the job and its events, then runs when a slot frees up", async () => {
    const pool = env.RUNNER_POOL.getByName("pool");
    const slots = Number(env.RUNNER_SLOTS);
    const blockers = Array.from({ length: slots }, (_, i) => ({ projectId: `prj_blocker${i}`, holder: `job_blocker_${crypto.randomUUID()}` }));
    for (const b of blockers) expect(await pool.acquire({ ...b, slot: null })).toMatchObject({ granted: true });

    const user = newUser();
    const { projectId, jobId } = await createProject(user);
    let view = await job(user, projectId, jobId);
    for (let i = 0; i < 200 && view.status !== "waiting_for_runner"; i++) {
      await new Promise((r) => setTimeout(r, 25));
      view = await job(user, projectId, jobId);
    }
    expect(view).toMatchObject({ status: "waiting_for_runner", position: 1, startedAt: null });
    const project = await api("GET", `/v1/projects/${projectId}`, { user });
    expect(project.body["queue"]).toMatchObject({ queued: 0, waitingForRunner: 1, running: 0 });
    expect((await calls(projectId)).calls).toEqual([]); // nothing ran

    const [first, ...rest] = blockers;
    await pool.release(first?.holder ?? "");
    const done = await waitForJob(user, projectId, jobId);
    expect(done.status).toBe("succeeded");
    const page = await projectStub(projectId).jobEvents(user, jobId, 0);
    if (!page.ok) throw new Error("events");
    const types = page.value.events.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(["queued", "waiting_for_runner", "running"]);
    expect(types.filter((t) => t === "waiting_for_runner")).toHaveLength(1);
    expect(types.at(-1)).toBe("succeeded");
    for (const b of rest) await pool.release(b.holder);
  });

  it("slots: affinity to the project's last slot, least recently used otherwise; a holder keeps its slot", async () => {
    const pool = env.RUNNER_POOL.getByName("pool");
    const holder = (): string => `job_${crypto.randomUUID()}`;
    const p = "prj_affinity_p";
    const h1 = holder();
    const first = await pool.acquire({ projectId: p, holder: h1, slot: null });
    if (!first.granted) throw new Error("no slot");
    await pool.release(h1);
    // Another project gets a slot nobody used lately, not the one p just left.
    const h2 = holder();
    const other = await pool.acquire({ projectId: "prj_affinity_q", holder: h2, slot: null });
    expect(other).toMatchObject({ granted: true });
    expect(other).not.toEqual(first);
    // p comes back to its slot; asking again while holding it renews the same lease.
    const h3 = holder();
    expect(await pool.acquire({ projectId: p, holder: h3, slot: null })).toEqual(first);
    expect(await pool.acquire({ projectId: p, holder: h3, slot: null })).toEqual(first);
    expect(await pool.renew(h3)).toBe(true);
    // A job that must have that very slot (its run may live there) waits until it is free.
    const h4 = holder();
    expect(await pool.acquire({ projectId: "prj_affinity_r", holder: h4, slot: first.slot })).toMatchObject({ granted: false });
    await pool.release(h3);
    expect(await pool.renew(h3)).toBe(false);
    expect(await pool.acquire({ projectId: "prj_affinity_r", holder: h4, slot: first.slot })).toEqual(first);
    await pool.release(h4);
    await pool.release(h2);
  });
});
