import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { JobView } from "../../src/domain/views.ts";
import { api, calls, fake, job, newUser, postUpdate, projectStub, readyProject, waitForJob } from "./helpers.ts";

describe("the per-project queue", () => {
  it("10 updates posted at once run as versions 2..11 in order, each resuming the previous job's final id", async () => {
    const user = newUser();
    const { projectId, headSessionId } = await readyProject(user);
    await fake(projectId, "delay", { ms: 20 });
    const posted = await Promise.all(Array.from({ length: 10 }, (_, i) => postUpdate(user, projectId, `change ${i}`)));
    expect(new Set(posted.map((p) => p.jobId)).size).toBe(10);
    expect(posted.map((p) => p.versionNumber).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);

    const byVersion = [...posted].sort((a, b) => a.versionNumber - b.versionNumber);
    const done: JobView[] = [];
    for (const p of byVersion) done.push(await waitForJob(user, projectId, p.jobId, 60_000));
    expect(done.every((j) => j.status === "succeeded")).toBe(true);
    let previous = headSessionId;
    for (const j of done) {
      expect(j.sessionIdIn).toBe(previous);
      previous = j.sessionIdOut ?? "";
    }
    // finished in version order, and never two runs at once on the runner
    const finished = done.map((j) => j.finishedAt ?? "");
    expect([...finished].sort()).toEqual(finished);
    const log = await calls(projectId);
    expect(log.overlaps).toBe(0);
    const versions = (await api("GET", `/v1/projects/${projectId}/versions`, { user })).body["versions"] as { versionNumber: number; aiSessionId: string; status: string }[];
    expect(versions.map((v) => v.versionNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(versions.every((v) => v.status === "succeeded")).toBe(true);
    expect(versions.map((v) => v.aiSessionId)).toEqual([headSessionId, ...done.map((j) => j.sessionIdOut)]);
  });

  it("reports queue positions: 1 for the running job, then its place in line", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "delay", { ms: 600 });
    const a = await postUpdate(user, projectId, "a");
    const b = await api("POST", `/v1/projects/${projectId}/updates`, { user, body: { prompt: "b" } });
    const c = await api("POST", `/v1/projects/${projectId}/updates`, { user, body: { prompt: "c" } });
    expect((b.body["queue"] as { position: number }).position).toBe(2);
    expect((c.body["queue"] as { position: number }).position).toBe(3);
    await waitForJob(user, projectId, (c.body["job"] as JobView).id);
    expect((await job(user, projectId, a.jobId)).position).toBeNull();
  });

  it("a Durable Object evicted mid-queue carries on: the interrupted job and the rest complete", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "delay", { ms: 150 });
    const posted: string[] = [];
    for (let i = 0; i < 4; i++) posted.push((await postUpdate(user, projectId, `step ${i}`)).jobId);
    // wait until the first is running, then tear the instance down
    for (let i = 0; i < 100 && (await job(user, projectId, posted[0] ?? "")).status === "queued"; i++) await new Promise((r) => setTimeout(r, 20));
    const stub = projectStub(projectId);
    await evictDurableObject(stub);
    // The alarm (watchdog or next) brings the object back; fire it instead of waiting.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const views = await Promise.all(posted.map((id) => job(user, projectId, id)));
      if (views.every((v) => v.status === "succeeded" || v.status === "failed")) {
        expect(views.map((v) => v.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
        const chainOk = views.every((v, i) => i === 0 || v.sessionIdIn === views[i - 1]?.sessionIdOut);
        expect(chainOk).toBe(true);
        break;
      }
      if (Date.now() > deadline) throw new Error(`queue stuck: ${views.map((v) => v.status).join(",")}`);
      await runDurableObjectAlarm(stub);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it("an alarm that fires while a job runs keeps a watchdog armed instead of starting a second job", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "delay", { ms: 1000 });
    const running = await postUpdate(user, projectId, "slow");
    const queued = await postUpdate(user, projectId, "next");
    for (let i = 0; i < 100 && (await job(user, projectId, running.jobId)).status !== "running"; i++) await new Promise((r) => setTimeout(r, 20));
    const stub = projectStub(projectId);
    expect(await runDurableObjectAlarm(stub)).toBe(true); // the watchdog, fired early
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect((await job(user, projectId, queued.jobId)).status).toBe("queued");
    expect((await waitForJob(user, projectId, queued.jobId)).status).toBe("succeeded");
    expect((await calls(projectId)).overlaps).toBe(0);
  });
});
