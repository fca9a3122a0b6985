import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { ProjectActivity, ProjectPage, UpdateSeries } from "../../src/domain/console-views.ts";
import { checkSigninCode, mintSigninCode } from "../../src/dev/signin-code.ts";
import { app } from "../../src/router/app.ts";
import { api, createProject, fake, newUser, postUpdate, readyProject, waitForJob } from "./helpers.ts";

// The read routes the console is built on: the caller's projects, a project's operations
// and audit trail, per-update metrics; and the dev-only sign-in exchange.

async function page(user: string, query = ""): Promise<ProjectPage> {
  const res = await api("GET", `/v1/projects${query}`, { user });
  if (res.status !== 200) throw new Error(`list: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as unknown as ProjectPage;
}

describe("GET /v1/projects", () => {
  const owner = newUser();
  const ids: string[] = [];
  let updated = "";

  beforeAll(async () => {
    // Three projects, created one after another; the first gets an update (resumed).
    for (let i = 0; i < 3; i++) {
      const ready = await readyProject(owner);
      ids.push(ready.projectId);
    }
    updated = ids[0] ?? "";
    const { jobId } = await postUpdate(owner, updated, "add a footer");
    expect((await waitForJob(owner, updated, jobId)).resume?.decision).toBe("resume");
    await readyProject(newUser()); // someone else's
  });

  it("lists only the caller's projects, newest first, with latest version, queue, resume success and cost", async () => {
    const all = await page(owner);
    expect(all.nextCursor).toBeNull();
    expect(all.projects.map((p) => p.id)).toEqual([...ids].reverse());
    const first = all.projects.find((p) => p.id === updated);
    expect(first).toMatchObject({ name: "demo", resumeOverride: null, versions: 2, queue: { queued: 0, running: 0 } });
    expect(first?.latestVersion).toMatchObject({ number: 2, kind: "update", status: "succeeded", resumeDecision: "resume", resumeReason: "resumable" });
    expect(first?.latestVersion?.completedAt).not.toBeNull();
    // COMPACTION_POLICY=always: create resumes for metadata + compact, the update for all three.
    expect(first?.resume).toEqual({ tried: 5, succeeded: 5, successRate: 1 });
    const versions = (await api("GET", `/v1/projects/${updated}/versions`, { user: owner })).body["versions"] as { usage: { costUsd: number } }[];
    const cost = versions.reduce((sum, v) => sum + v.usage.costUsd, 0);
    expect(cost).toBeGreaterThan(0);
    expect(first?.costUsd).toBeCloseTo(cost, 6);
    expect((await page(newUser())).projects).toEqual([]);
  });

  it("pages with an opaque cursor, without gaps or repeats", async () => {
    const one = await page(owner, "?limit=2");
    expect(one.projects).toHaveLength(2);
    expect(one.nextCursor).not.toBeNull();
    const two = await page(owner, `?limit=2&cursor=${encodeURIComponent(one.nextCursor ?? "")}`);
    expect(two.projects).toHaveLength(1);
    expect(two.nextCursor).toBeNull();
    expect([...one.projects, ...two.projects].map((p) => p.id)).toEqual([...ids].reverse());
  });

  it("refuses a bad limit or cursor, and no token", async () => {
    for (const query of ["?limit=0", "?limit=101", "?limit=abc", "?cursor=not-a-cursor", `?cursor=${btoa(JSON.stringify(["yesterday", "x"]))}`]) {
      const res = await api("GET", `/v1/projects${query}`, { user: owner });
      expect(res.status, query).toBe(400);
      expect((res.body["error"] as { code: string }).code).toBe("bad_request");
    }
    expect((await api("GET", "/v1/projects")).status).toBe(401);
  });
});

describe("GET /v1/projects/:id/activity", () => {
  it("gives the owner every operation with its session in and out, and the audit trail", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "failures", { failures: [{ operation: "update", resuming: true, code: "session_not_found" }] });
    const { jobId } = await postUpdate(user, projectId, "rename the app");
    expect((await waitForJob(user, projectId, jobId)).resume?.reason).toBe("fallback:session_not_found");

    const res = await api("GET", `/v1/projects/${projectId}/activity`, { user });
    expect(res.status).toBe(200);
    const activity = res.body as unknown as ProjectActivity;
    expect(activity.operations.map((o) => `${o.versionNumber}:${o.operation}`)).toEqual(["1:build", "1:metadata", "1:compact", "2:update", "2:metadata", "2:compact"]);
    const [build, meta] = activity.operations;
    expect(build?.sessionIdIn).toBeNull();
    expect(meta?.sessionIdIn).toBe(build?.sessionIdOut);
    // The fallback's update ran fresh.
    expect(activity.operations[3]?.sessionIdIn).toBeNull();
    for (const o of activity.operations) expect(o.costUsd).toBeGreaterThan(0);
    expect(activity.attempts.map((a) => a.outcome)).toContain("not_found");
    expect(activity.attempts.find((a) => a.outcome === "not_found")?.versionNumber).toBe(2);
    expect(activity.attempts[0]).not.toHaveProperty("errorText");

    const limited = (await api("GET", `/v1/projects/${projectId}/activity?limit=2`, { user })).body as unknown as ProjectActivity;
    expect(limited.operations.map((o) => o.operation)).toEqual(["metadata", "compact"]);
  });

  it("is 404 for anyone but the owner and 400 for a bad id", async () => {
    const user = newUser();
    const { projectId } = await createProject(user);
    expect((await api("GET", `/v1/projects/${projectId}/activity`, { user: newUser() })).status).toBe(404);
    expect((await api("GET", "/v1/projects/nope/activity", { user })).status).toBe(400);
    expect((await api("GET", `/v1/projects/${projectId}/activity`)).status).toBe(401);
  });
});

describe("GET /v1/metrics/updates", () => {
  it("lists the owner's succeeded updates oldest first, with mode, cost, tokens and session age", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    for (const prompt of ["add a footer", "add a header"]) {
      const { jobId } = await postUpdate(user, projectId, prompt);
      await waitForJob(user, projectId, jobId);
    }
    await fake(projectId, "failures", { failures: [{ operation: "update", resuming: true, code: "session_not_found" }] });
    const { jobId } = await postUpdate(user, projectId, "rename");
    await waitForJob(user, projectId, jobId);

    const res = await api("GET", "/v1/metrics/updates", { user });
    expect(res.status).toBe(200);
    const series = res.body as unknown as UpdateSeries;
    expect(series.scope).toBe("owner");
    expect(series.updates.map((u) => [u.versionNumber, u.mode, u.reason])).toEqual([
      [2, "resumed", "resumable"],
      [3, "resumed", "resumable"],
      [4, "fresh", "fallback:session_not_found"],
    ]);
    type Prediction = { option: string; allowed: boolean; costUsd: number };
    const versions = (await api("GET", `/v1/projects/${projectId}/versions`, { user })).body["versions"] as { versionNumber: number; usage: { costUsd: number; cacheReadInputTokens: number }; policy: { predictions: Prediction[] } | null }[];
    for (const point of series.updates) {
      const version = versions.find((v) => v.versionNumber === point.versionNumber);
      expect(point.costUsd).toBeCloseTo(version?.usage.costUsd ?? -1, 6);
      // The options not taken, as the version's policy record predicted them (the Savings page's counterfactuals).
      const predicted = (option: string): number | null => {
        const p = version?.policy?.predictions.find((x) => x.option === option);
        return p === undefined || (option === "resume" && !p.allowed) ? null : p.costUsd;
      };
      expect(version?.policy?.predictions.length ?? 0).toBeGreaterThan(0);
      expect(point.predictedFreshCostUsd).toBe(predicted("fresh"));
      expect(point.predictedResumeCostUsd).toBe(predicted("resume"));
      expect(point.cacheReadInputTokens).toBe(version?.usage.cacheReadInputTokens);
      expect(point.projectId).toBe(projectId);
    }
    expect(series.updates[0]?.sessionAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(series.updates[0]?.sessionAgeSeconds).toBeLessThan(3600);
    expect(series.updates[2]?.sessionAgeSeconds).toBeNull();
    const times = series.updates.map((u) => Date.parse(u.completedAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    const latest = (await api("GET", "/v1/metrics/updates?limit=1", { user })).body as unknown as UpdateSeries;
    expect(latest.updates.map((u) => u.versionNumber)).toEqual([4]);
    expect(((await api("GET", "/v1/metrics/updates", { user: newUser() })).body as unknown as UpdateSeries).updates).toEqual([]);
  });

  it("gives the admin token every project's updates, and refuses others", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const { jobId } = await postUpdate(user, projectId, "add a footer");
    await waitForJob(user, projectId, jobId);
    const admin = await api("GET", "/v1/metrics/updates?limit=1000", { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } });
    expect(admin.status).toBe(200);
    const series = admin.body as unknown as UpdateSeries;
    expect(series.scope).toBe("all");
    expect(series.updates.some((u) => u.projectId === projectId)).toBe(true);
    expect((await api("GET", "/v1/metrics/updates")).status).toBe(401);
    expect((await api("GET", "/v1/metrics/updates", { headers: { authorization: `Bearer ${env.METRICS_TOKEN}` } })).status).toBe(401);
    expect((await api("GET", "/v1/metrics/updates?limit=0", { user })).status).toBe(400);
  });
});

describe("POST /v1/dev/signin", () => {
  const signin = (code: unknown, devSignin: string): Promise<Response> =>
    Promise.resolve(app.fetch(
      new Request("http://api.test/v1/dev/signin", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code }) }),
      { ...env, DEV_SIGNIN: devSignin },
    ));

  it("does not exist unless DEV_SIGNIN is true", async () => {
    const code = await mintSigninCode(env.AUTH_SECRET, "dev", 60_000);
    const res = await signin(code, "");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found", message: "no such route" } });
  });

  it("trades a code once for a bearer token of that user", async () => {
    const user = newUser();
    const code = await mintSigninCode(env.AUTH_SECRET, user, 60_000);
    const res = await signin(code, "true");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as { token: string; userId: string };
    expect(body.userId).toBe(user);
    const { projectId } = await createProject(user);
    const mine = await api("GET", `/v1/projects/${projectId}`, { headers: { authorization: `Bearer ${body.token}` } });
    expect(mine.status).toBe(200);

    const again = await signin(code, "true");
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(/already used/);
  });

  it("refuses expired, tampered and foreign codes, and the code is no bearer token", async () => {
    const expired = await mintSigninCode(env.AUTH_SECRET, "dev", 1_000, Date.now() - 60_000);
    expect((await signin(expired, "true")).status).toBe(401);
    const good = await mintSigninCode(env.AUTH_SECRET, "dev", 60_000);
    const [user = "", exp = "", nonce = "", mac = ""] = good.split(".");
    const otherUser = btoa("admin").replace(/=+$/, "");
    expect((await signin(`${otherUser}.${exp}.${nonce}.${mac}`, "true")).status).toBe(401);
    expect((await signin(`${user}.${Number(exp) + 1000}.${nonce}.${mac}`, "true")).status).toBe(401);
    const foreign = await mintSigninCode("another-secret-0123456789abcdef0123", "dev", 60_000);
    expect((await signin(foreign, "true")).status).toBe(401);
    expect((await signin("", "true")).status).toBe(400);
    expect((await api("GET", "/v1/projects", { headers: { authorization: `Bearer ${good}` } })).status).toBe(401);
    expect(await checkSigninCode(env.AUTH_SECRET, good)).toMatchObject({ ok: true, userId: "dev" });
  });
});
