// The dev-only clock (DEV_CLOCK_ENABLED): a project's job clock moved forward through an
// admin route reaches the Durable Object's decisions; without the flag the route is absent.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/router/app.ts";
import { api, createProject, postUpdate, waitForJob } from "./helpers.ts";

const admin = { authorization: `Bearer ${env.ADMIN_TOKEN}` };

function advance(projectId: string, advanceMs: unknown, headers: Record<string, string> = admin) {
  return api("POST", `/__dev/projects/${projectId}/clock`, { body: { advanceMs }, headers });
}

describe("dev clock", () => {
  it("a pause of 25 hours on the project's clock makes the next update start fresh (stale)", async () => {
    const user = `clock-${crypto.randomUUID()}`;
    const created = await createProject(user);
    await waitForJob(user, created.projectId, created.jobId);
    const first = await postUpdate(user, created.projectId, "append to a.txt: one");
    expect((await waitForJob(user, created.projectId, first.jobId)).resume?.decision).toBe("resume");

    const moved = await advance(created.projectId, 25 * 3_600_000);
    expect(moved.status).toBe(200);
    expect(moved.body).toEqual({ offsetMs: 25 * 3_600_000 });
    const after = await postUpdate(user, created.projectId, "append to a.txt: two");
    const job = await waitForJob(user, created.projectId, after.jobId);
    expect(job.resume?.decision).toBe("fresh");
    expect(job.resume?.reason).toMatch(/^stale: last used 15\d\d min ago/);
    // The job's own times are on the moved clock too.
    expect(Date.parse(job.startedAt ?? "")).toBeGreaterThan(Date.now() + 24 * 3_600_000);
  });

  it("needs the admin token, a valid body and an existing project", async () => {
    const user = `clock-${crypto.randomUUID()}`;
    const created = await createProject(user);
    await waitForJob(user, created.projectId, created.jobId);
    expect((await advance(created.projectId, 1000, {})).status).toBe(401);
    expect((await advance(created.projectId, 1000, { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await api("POST", `/__dev/projects/${created.projectId}/clock`, { user, body: { advanceMs: 1000 } })).status).toBe(401);
    expect((await advance(created.projectId, -5)).status).toBe(400);
    expect((await advance(created.projectId, "soon")).status).toBe(400);
    expect((await advance("prj_000000000000000000000000", 1000)).status).toBe(404);
    expect((await advance(created.projectId, 1000)).body).toEqual({ offsetMs: 1000 });
    expect((await advance(created.projectId, 500)).body).toEqual({ offsetMs: 1500 });
  });

  it("does not exist unless DEV_CLOCK_ENABLED is true", async () => {
    const off = { ...env, DEV_CLOCK_ENABLED: "false" };
    const res = await app.request("/__dev/projects/prj_000000000000000000000000/clock", {
      method: "POST", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ advanceMs: 1000 }),
    }, off);
    expect(res.status).toBe(404);
  });
});
