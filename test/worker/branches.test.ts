import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { branchObjectName } from "../../src/branches/names.ts";
import type { JobView, SessionView, VersionView } from "../../src/domain/views.ts";
import type { ProjectDO } from "../../src/do/project-do.ts";
import { accepted, api, calls, fake, newUser, postUpdate, projectStub, readEvents, readyProject, runs, waitForJob } from "./helpers.ts";

const DAY_MS = 86_400_000;

const ws = (projectId: string, branch: string): string => (branch === "main" ? projectId : `${projectId}-${branch}`);

async function branchJob(user: string, projectId: string, branch: string, jobId: string): Promise<JobView> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await api("GET", `/v1/projects/${projectId}/branches/${branch}/jobs/${jobId}`, { user });
    expect(res.status).toBe(200);
    const job = res.body as unknown as JobView;
    if (job.status === "succeeded" || job.status === "failed") return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function branchUpdate(user: string, projectId: string, branch: string, prompt: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await api("POST", `/v1/projects/${projectId}/branches/${branch}/updates`, { user, body: { prompt }, headers });
  expect(res.status).toBe(202);
  return accepted(res).jobId;
}

async function createBranch(user: string, projectId: string, name: string, fromVersion: number): Promise<JobView> {
  const res = await api("POST", `/v1/projects/${projectId}/branches`, { user, body: { name, fromVersion } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body["branch"]).toBe(name);
  return branchJob(user, projectId, name, accepted(res).jobId);
}

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Main's instance with one branch object's `initBranch` held until the test releases it: the
 * window of a branch creation between reading its source version and the branch's first job
 * existing. The wrapper is built from the instance's own bindings and the hold is opened from
 * inside the instance (a promise settled from another object's context would resume there).
 */
async function holdInitBranch(main: DurableObjectStub<ProjectDO>, objectName: string): Promise<{ reached(): Promise<void>; release(): Promise<void> }> {
  let arrived = false;
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const own = await runInDurableObject(main, (instance: ProjectDO) => {
    const holder = instance as unknown as { env: Env };
    const original = holder.env;
    const projects = new Proxy(original.PROJECT, {
      get(target, prop) {
        if (prop !== "getByName") {
          const value: unknown = Reflect.get(target, prop);
          return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        }
        return (name: string) => {
          const stub = target.getByName(name);
          if (name !== objectName) return stub;
          return new Proxy(stub, {
            get(inner, method) {
              if (method !== "initBranch") return Reflect.get(inner, method);
              return async (input: Parameters<typeof inner.initBranch>[0]) => {
                arrived = true;
                await gate;
                return inner.initBranch(input);
              };
            },
          });
        };
      },
    });
    holder.env = { ...original, PROJECT: projects };
    return original;
  });
  let released = false;
  return {
    reached: () => until(async () => arrived),
    async release() {
      if (released) return;
      released = true;
      await runInDurableObject(main, (instance: ProjectDO) => {
        open();
        (instance as unknown as { env: Env }).env = own;
      });
    },
  };
}

describe("branches", () => {
  it("a branch starts from a version's files and a fork of its session; branches run in parallel and never see each other's files or sessions", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    expect((await waitForJob(user, projectId, (await postUpdate(user, projectId, "main update two")).jobId)).status).toBe("succeeded");
    const v1Session = ((await api("GET", `/v1/projects/${projectId}/versions`, { user })).body["versions"] as VersionView[])[0]?.aiSessionId;

    const first = await createBranch(user, projectId, "exp", 1);
    expect(first).toMatchObject({ status: "succeeded", kind: "branch", branch: "exp", versionNumber: 3, sessionIdIn: v1Session });
    const expFiles = await calls(ws(projectId, "exp"));
    expect(Object.keys(expFiles.files)).toEqual(["src/build-1.txt"]); // v1's tree, not v2's

    // Both branches' updates are held on the runner at the same time: parallel across branches.
    await fake(ws(projectId, "main"), "hold", { operation: "update" });
    await fake(ws(projectId, "exp"), "hold", { operation: "update" });
    const mainJob = (await postUpdate(user, projectId, "main update")).jobId;
    const expJob = await branchUpdate(user, projectId, "exp", "exp update");
    const held = async (branch: string) => Object.values(await runs(ws(projectId, branch))).some((r) => r.operation === "update" && r.held);
    await until(async () => (await held("main")) && (await held("exp")));
    await fake(ws(projectId, "main"), "release", {});
    await fake(ws(projectId, "exp"), "release", {});
    const mainDone = await waitForJob(user, projectId, mainJob);
    const expDone = await branchJob(user, projectId, "exp", expJob);
    expect([mainDone.status, expDone.status]).toEqual(["succeeded", "succeeded"]);
    expect(expDone.sessionIdIn).toBe(first.sessionIdOut); // the branch resumes its own fork

    // Never within one branch; files apart.
    const mainSeen = await calls(ws(projectId, "main"));
    const expSeen = await calls(ws(projectId, "exp"));
    expect([mainSeen.overlaps, expSeen.overlaps]).toEqual([0, 0]);
    expect(Object.values(mainSeen.files)).not.toContain("exp update");
    expect(Object.values(expSeen.files)).toContain("exp update");
    expect(Object.values(expSeen.files)).not.toContain("main update two");

    // Chains apart: the branch's starts with a `branched` fork of v1's session.
    const expChain = (await api("GET", `/v1/projects/${projectId}/branches/exp/session?limit=100`, { user })).body as unknown as SessionView;
    expect(expChain.history[0]).toMatchObject({ relation: "branched", operation: "branch", parentSessionId: v1Session, versionNumber: 3 });
    const mainChain = (await api("GET", `/v1/projects/${projectId}/session?limit=100`, { user })).body as unknown as SessionView;
    const expSessions = new Set(expChain.history.map((l) => l.sessionId));
    expect(mainChain.history.some((l) => expSessions.has(l.sessionId))).toBe(false);

    // Versions: numbered per project; the branch lists its own, the project all of them.
    const all = (await api("GET", `/v1/projects/${projectId}/versions`, { user })).body["versions"] as VersionView[];
    expect(all.map((v) => `${v.versionNumber}:${v.branch}:${v.kind}`).sort()).toEqual(
      [`1:main:create`, `2:main:update`, `3:exp:branch`, `${expDone.versionNumber}:exp:update`, `${mainDone.versionNumber}:main:update`].sort(),
    );
    const expVersions = (await api("GET", `/v1/projects/${projectId}/branches/exp/versions`, { user })).body["versions"] as VersionView[];
    expect(expVersions.map((v) => v.branch)).toEqual(["exp", "exp"]);

    // The list and one branch.
    const list = await api("GET", `/v1/projects/${projectId}/branches`, { user });
    expect((list.body["branches"] as { name: string; fromVersion: number | null }[]).map((b) => [b.name, b.fromVersion])).toEqual([["exp", 1], ["main", null]]);
    const one = await api("GET", `/v1/projects/${projectId}/branches/exp`, { user });
    expect(one.body["branch"]).toMatchObject({ name: "exp", fromVersion: 1, latestVersionNumber: expDone.versionNumber, headSessionId: expDone.sessionIdOut });

    // SSE per branch.
    const events = await readEvents(user, `/v1/projects/${projectId}/branches/exp/jobs/${expJob}/events`);
    expect(events.events.at(-1)?.event).toBe("succeeded");

    // A version of a branch is restored into that branch.
    const restore = await api("POST", `/v1/projects/${projectId}/versions/3/restore`, { user });
    expect(restore.status).toBe(202);
    expect(restore.body["branch"]).toBe("exp");
    expect((await branchJob(user, projectId, "exp", accepted(restore).jobId)).status).toBe("succeeded");
    expect(Object.keys((await calls(ws(projectId, "exp"))).files)).toEqual(["src/build-1.txt"]);
  });

  it("bad input: 400 naming the field, 404 for missing versions and branches, 409 for duplicates and failed versions; nothing half-created", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const post = (body: unknown) => api("POST", `/v1/projects/${projectId}/branches`, { user, body });
    for (const name of ["Bad", "a_b", "", "x".repeat(41), "a/b"]) {
      const res = await post({ name, fromVersion: 1 });
      expect(res.status, name).toBe(400);
      expect((res.body["error"] as { message: string }).message).toMatch(/^name/);
    }
    expect(((await post({ name: "ok" })).body["error"] as { message: string }).message).toBe("fromVersion is required");
    const missing = await post({ name: "ghost", fromVersion: 7 });
    expect(missing.status).toBe(404);
    expect((missing.body["error"] as { message: string }).message).toBe("version 7 does not exist");
    expect((await post({ name: "main", fromVersion: 1 })).status).toBe(409);

    await fake(projectId, "failures", { failures: [{ operation: "update", code: "internal", retryable: false }] });
    expect((await waitForJob(user, projectId, (await postUpdate(user, projectId, "fails")).jobId)).status).toBe("failed");
    const failed = await post({ name: "from-failed", fromVersion: 2 });
    expect(failed.status).toBe(409);
    expect((failed.body["error"] as { message: string }).message).toMatch(/^version 2 failed .*no branch can be made from it/);

    expect((await createBranch(user, projectId, "dup", 1)).status).toBe("succeeded");
    const dup = await post({ name: "dup", fromVersion: 1 });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ error: { code: "conflict", message: "a branch named dup already exists" } });

    const nowhere = await api("POST", `/v1/projects/${projectId}/branches/nowhere/updates`, { user, body: { prompt: "x" } });
    expect(nowhere.status).toBe(404);
    expect(nowhere.body).toEqual({ error: { code: "not_found", message: "branch nowhere not found" } });
    expect((await api("POST", `/v1/projects/${projectId}/branches/Bad/updates`, { user, body: { prompt: "x" } })).status).toBe(400);
    expect((await api("GET", `/v1/projects/${projectId}/branches/ghost`, { user })).status).toBe(404);

    // Only what succeeded exists; a stranger sees nothing.
    const names = ((await api("GET", `/v1/projects/${projectId}/branches`, { user })).body["branches"] as { name: string }[]).map((b) => b.name);
    expect(names).toEqual(["dup", "main"]);
    const versionNumbers = ((await api("GET", `/v1/projects/${projectId}/versions`, { user })).body["versions"] as VersionView[]).map((v) => v.versionNumber);
    expect(versionNumbers).toEqual([1, 2, 3]);
    const stranger = newUser();
    expect((await api("GET", `/v1/projects/${projectId}/branches`, { user: stranger })).status).toBe(404);
    expect((await api("GET", `/v1/projects/${projectId}/branches/dup`, { user: stranger })).status).toBe(404);
    expect((await api("POST", `/v1/projects/${projectId}/branches/dup/updates`, { user: stranger, body: { prompt: "x" } })).status).toBe(404);
    expect((await api("POST", `/v1/projects/${projectId}/branches`, { user: stranger, body: { name: "mine", fromVersion: 1 } })).status).toBe(404);
  });

  it("Idempotency-Key is per branch", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await createBranch(user, projectId, "side", 1);
    const headers = { "idempotency-key": `k-${crypto.randomUUID()}` };
    const onSide = await branchUpdate(user, projectId, "side", "same prompt", headers);
    expect(await branchUpdate(user, projectId, "side", "same prompt", headers)).toBe(onSide);
    const onMain = (await postUpdate(user, projectId, "same prompt", headers)).jobId;
    expect(onMain).not.toBe(onSide);
    expect((await branchJob(user, projectId, "side", onSide)).status).toBe("succeeded");
    expect((await waitForJob(user, projectId, onMain)).status).toBe("succeeded");
  });

  it("a branch whose creation was cut short is a retention root; a retry after its first job was pruned keeps its registry row", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await createBranch(user, projectId, "cut", 1);
    const main = env.PROJECT.getByName(projectId);
    // Main stopped before marking the branch ready; JOB_RETENTION_DAYS later the branch's first job row was pruned.
    await runInDurableObject(main, (_instance, state) => {
      state.storage.sql.exec("UPDATE branches SET ready = 0 WHERE name = 'cut'");
    });
    await runInDurableObject(env.PROJECT.getByName(branchObjectName(projectId, "cut")), (_instance, state) => {
      state.storage.sql.exec("DELETE FROM jobs");
    });
    // Retention asks the not-ready branch for its roots too (main and "cut").
    expect((await main.runRetention(Date.now(), true))?.branches).toBe(2);
    const retry = await api("POST", `/v1/projects/${projectId}/branches`, { user, body: { name: "cut", fromVersion: 1 } });
    expect(retry.status).toBe(409);
    const list = await api("GET", `/v1/projects/${projectId}/branches`, { user });
    expect((list.body["branches"] as { name: string }[]).map((b) => b.name)).toEqual(["cut", "main"]);
  });

  it("a branch accepted while retention runs keeps its source version: the run gathers its roots after the creation (finding 7)", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    expect((await waitForJob(user, projectId, (await postUpdate(user, projectId, "update two")).jobId)).status).toBe("succeeded");
    const main = projectStub(projectId);
    const held = await holdInitBranch(main, branchObjectName(projectId, "late"));
    try {
      const creating = api("POST", `/v1/projects/${projectId}/branches`, { user, body: { name: "late", fromVersion: 1 } });
      await held.reached(); // v1's tree and session are read; the branch's object has no job yet
      // 200 days on: v1 (not a head, not pinned) is past VERSION_RETENTION_DAYS and its tree past the grace.
      const retention = main.runRetention(Date.now() + 200 * DAY_MS, true);
      // Unserialized, the run gathers its roots now (the late branch has none yet) and deletes v1's tree.
      await Promise.race([retention, new Promise((r) => setTimeout(r, 3_000))]);
      await held.release();
      const res = await creating;
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect((await retention)?.prunedVersions).toBe(1);
      const done = await branchJob(user, projectId, "late", accepted(res).jobId);
      expect([done.status, done.error?.code ?? null]).toEqual(["succeeded", null]);
      expect(Object.keys((await calls(ws(projectId, "late"))).files)).toEqual(["src/build-1.txt"]);
    } finally {
      await held.release();
    }
  });
});
