import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ProjectDO } from "../../src/do/project-do.ts";
import type { ChainLink, VersionView } from "../../src/domain/views.ts";
import { api, newUser, postUpdate, projectStub, readyProject, waitForJob } from "./helpers.ts";

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

async function versionsPage(user: string, projectId: string, query: string): Promise<Page<VersionView>> {
  const res = await api("GET", `/v1/projects/${projectId}/versions${query}`, { user });
  if (res.status !== 200) throw new Error(`versions: ${res.status} ${JSON.stringify(res.body)}`);
  return { items: res.body["versions"] as VersionView[], nextCursor: res.body["nextCursor"] as string | null };
}

async function historyPage(user: string, projectId: string, query: string): Promise<Page<ChainLink>> {
  const res = await api("GET", `/v1/projects/${projectId}/session${query}`, { user });
  if (res.status !== 200) throw new Error(`session: ${res.status} ${JSON.stringify(res.body)}`);
  return { items: res.body["history"] as ChainLink[], nextCursor: res.body["nextCursor"] as string | null };
}

/** Every item of a list, following nextCursor from page to page. */
async function all<T>(read: (query: string) => Promise<Page<T>>, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page<T> = await read(`?limit=${limit}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor !== null);
  return { items, pages };
}

describe("bounded reads: versions and the chain history come in pages", () => {
  it("?limit= and the opaque cursor walk the whole list; bad limits and cursors are 400", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    for (const prompt of ["one", "two"]) await waitForJob(user, projectId, (await postUpdate(user, projectId, prompt)).jobId);

    const first = await versionsPage(user, projectId, "?limit=2");
    expect(first.items.map((v) => v.versionNumber)).toEqual([1, 2]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const versions = await all((q) => versionsPage(user, projectId, q), 2);
    expect(versions.items.map((v) => v.versionNumber)).toEqual([1, 2, 3]);
    expect(versions.pages).toBe(2);
    expect((await versionsPage(user, projectId, "")).nextCursor).toBeNull(); // default page: 50

    // 3 jobs × (build|update, compact) = 6 links, oldest first (the lean metadata step is a fork off the chain).
    const full = await historyPage(user, projectId, "?limit=100");
    expect(full.items).toHaveLength(6);
    expect(full.nextCursor).toBeNull();
    const paged = await all((q) => historyPage(user, projectId, q), 4);
    expect(paged.pages).toBe(2);
    expect(paged.items).toEqual(full.items);

    const bad = async (path: string, message: RegExp): Promise<void> => {
      const res = await api("GET", path, { user });
      expect(res.status, path).toBe(400);
      expect((res.body["error"] as { message: string }).message).toMatch(message);
    };
    await bad(`/v1/projects/${projectId}/versions?limit=101`, /limit must be at most 100/);
    await bad(`/v1/projects/${projectId}/versions?limit=0`, /limit must be at least 1/);
    await bad(`/v1/projects/${projectId}/versions?limit=ten`, /limit must be a number/);
    await bad(`/v1/projects/${projectId}/versions?cursor=not-a-cursor`, /cursor is not valid/);
    // A cursor of one list is no good for another.
    const historyCursor = (await historyPage(user, projectId, "?limit=1")).nextCursor ?? "";
    await bad(`/v1/projects/${projectId}/versions?cursor=${encodeURIComponent(historyCursor)}`, /cursor is not valid/);
  });
});

describe("retention", () => {
  it("finished jobs and their events older than JOB_RETENTION_DAYS leave the DO; the history keeps SESSION_HISTORY_LIMIT links; Postgres keeps all", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const stub = projectStub(projectId);
    const old = await postUpdate(user, projectId, "an old change");
    await waitForJob(user, projectId, old.jobId);
    const days = Number(env.JOB_RETENTION_DAYS);
    await runInDurableObject(stub, (instance: ProjectDO, state) => {
      // This job finished longer ago than the retention; keep only 4 history links.
      state.storage.sql.exec("UPDATE jobs SET finished_at = ? WHERE id = ?", Date.now() - (days + 1) * 86_400_000, old.jobId);
      (instance as unknown as { env: Env }).env = { ...env, SESSION_HISTORY_LIMIT: "4" };
    });

    const recent = await waitForJob(user, projectId, (await postUpdate(user, projectId, "a new change")).jobId);
    expect(recent.status).toBe("succeeded");
    // Pruning follows the job's end in the same alarm invocation: wait for that invocation.
    const trimmed = async (): Promise<ChainLink[]> => (await historyPage(user, projectId, "?limit=100")).items;
    for (let i = 0; i < 100 && (await trimmed()).length !== 4; i++) await new Promise((r) => setTimeout(r, 50));
    const history = await trimmed();
    expect(history).toHaveLength(4);
    expect(history.at(-1)?.sessionId).toBe(recent.sessionIdOut);
    expect((await api("GET", `/v1/projects/${projectId}/jobs/${old.jobId}`, { user })).status).toBe(404);
    const events = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM job_events WHERE job_id = ?", old.jobId).one().n);
    expect(events).toBe(0);
    expect((await api("GET", `/v1/projects/${projectId}/jobs/${recent.id}`, { user })).status).toBe(200);
    // The newest link is the head, so the next update still resumes it.
    const next = await waitForJob(user, projectId, (await postUpdate(user, projectId, "still resumes")).jobId);
    expect(next.resume).toEqual({ decision: "resume", reason: "resumable" });
    const versions = await all((q) => versionsPage(user, projectId, q), 100);
    expect(versions.items.map((v) => v.versionNumber)).toEqual([1, 2, 3, 4]);
  });
});
