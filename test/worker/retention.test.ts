import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SessionView, VersionView } from "../../src/domain/views.ts";
import { accepted, api, fake, newUser, postUpdate, projectStub, readyProject, waitForJob } from "./helpers.ts";

const DAY_MS = 86_400_000;

async function keys(projectId: string, kind: string): Promise<Set<string>> {
  const page = await env.ARTIFACTS.list({ prefix: `projects/${projectId}/${kind}/` });
  return new Set(page.objects.map((o) => o.key.slice(`projects/${projectId}/${kind}/`.length)));
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function pointer(projectId: string, n: number): Promise<{ treeHash: string; sessionId: string }> {
  const object = await env.ARTIFACTS.get(`projects/${projectId}/versions/${String(n).padStart(6, "0")}.json`);
  return (await object?.json()) as { treeHash: string; sessionId: string };
}

async function succeeded(user: string, projectId: string, jobId: string, path = ""): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const job = (await api("GET", `/v1/projects/${projectId}${path}/jobs/${jobId}`, { user })).body;
    if (job["status"] === "succeeded") return;
    if (job["status"] === "failed" || Date.now() > deadline) throw new Error(`job ${jobId}: ${String(job["status"])}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("retention", () => {
  it("prunes old versions except branch heads and pinned ones, collects what only they used, and answers 410 for them", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    for (const word of ["two", "three", "four"]) await succeeded(user, projectId, (await postUpdate(user, projectId, `update ${word}`)).jobId);
    const v4 = await pointer(projectId, 4);
    const v4Sessions = ((await api("GET", `/v1/projects/${projectId}/session?limit=100`, { user })).body as unknown as SessionView).history
      .filter((l) => l.versionNumber === 4).map((l) => l.sessionId);
    await succeeded(user, projectId, accepted(await api("POST", `/v1/projects/${projectId}/versions/2/restore`, { user })).jobId); // v5: main's head
    const pin = await api("POST", `/v1/projects/${projectId}/versions/3/pin`, { user });
    expect(pin.status).toBe(200);
    expect(pin.body).toEqual({ versionNumber: 3, branch: "main", pinned: true });
    const side = accepted(await api("POST", `/v1/projects/${projectId}/branches`, { user, body: { name: "side", fromVersion: 1 } })); // v6: side's head
    await succeeded(user, projectId, side.jobId, "/branches/side");
    const orphan = await sha256(`orphan ${crypto.randomUUID()}`);
    await env.ARTIFACTS.put(`projects/${projectId}/blobs/${orphan}`, "not referenced by any tree");

    // Nothing is old yet: a retention run now prunes and collects nothing.
    const early = await projectStub(projectId).runRetention(Date.now(), true);
    expect(early).toMatchObject({ branches: 2, prunedVersions: 0, collected: { blobs: 0, trees: 0, transcripts: 0, versions: 0 } });

    // 200 days later (VERSION_RETENTION_DAYS is 90).
    const report = await projectStub(projectId).runRetention(Date.now() + 200 * DAY_MS, true);
    expect(report?.prunedVersions).toBe(3);
    const listed = (await api("GET", `/v1/projects/${projectId}/versions`, { user })).body["versions"] as VersionView[];
    expect(listed.map((v) => [v.versionNumber, v.prunedAt !== null, v.pinned])).toEqual([
      [1, true, false], [2, true, false], [3, false, true], [4, true, false], [5, false, false], [6, false, false],
    ]);

    // R2: what only pruned versions used is gone; what kept ones need (down the delta chains) stays.
    expect([...(await keys(projectId, "versions"))].sort()).toEqual(["000003.json", "000005.json", "000006.json"]);
    const trees = await keys(projectId, "trees");
    expect(trees.has(`${v4.treeHash}.json`)).toBe(false);
    for (const n of [3, 5, 6]) expect(trees.has(`${(await pointer(projectId, n)).treeHash}.json`)).toBe(true);
    const blobs = await keys(projectId, "blobs");
    expect(blobs.has(orphan)).toBe(false);
    expect(blobs.has(await sha256("update four"))).toBe(false);
    for (const text of ["build a todo app", "update two", "update three"]) expect(blobs.has(await sha256(text))).toBe(true);
    const transcripts = [...(await keys(projectId, "transcripts"))].map((name) => name.replace(/\.[a-z]+$/, ""));
    expect(v4Sessions.length).toBeGreaterThan(0);
    for (const id of v4Sessions) expect(transcripts).not.toContain(id);
    expect(report?.collected?.transcripts).toBe(v4Sessions.length);

    // Pruned: 410 with the reason; kept ones still restore, from R2 alone.
    const gone = await api("POST", `/v1/projects/${projectId}/versions/4/restore`, { user });
    expect(gone.status).toBe(410);
    expect((gone.body["error"] as { code: string; message: string })).toMatchObject({ code: "gone" });
    expect((gone.body["error"] as { message: string }).message).toMatch(/^version 4 was pruned on \d{4}-\d\d-\d\d \(older than the retention period and not pinned\)/);
    expect((await api("POST", `/v1/projects/${projectId}/versions/4/pin`, { user })).status).toBe(410);
    await fake(projectId, "wipe", {});
    await fake(`${projectId}-side`, "wipe", {});
    await succeeded(user, projectId, accepted(await api("POST", `/v1/projects/${projectId}/versions/3/restore`, { user })).jobId);
    expect((await fake(projectId, "tree"))["treeHash"]).toBe((await pointer(projectId, 3)).treeHash);
    const sideUpdate = accepted(await api("POST", `/v1/projects/${projectId}/branches/side/updates`, { user, body: { prompt: "after the wipe" } }));
    await succeeded(user, projectId, sideUpdate.jobId, "/branches/side");
    const sideJob = (await api("GET", `/v1/projects/${projectId}/branches/side/jobs/${sideUpdate.jobId}`, { user })).body;
    expect(sideJob["resume"]).toMatchObject({ decision: "resume" });
  });

  it("unpinning lets retention prune a version that is not a head", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await succeeded(user, projectId, (await postUpdate(user, projectId, "update two")).jobId);
    expect((await api("POST", `/v1/projects/${projectId}/versions/1/pin`, { user })).status).toBe(200);
    expect((await projectStub(projectId).runRetention(Date.now() + 200 * DAY_MS, true))?.prunedVersions).toBe(0);
    const unpin = await api("DELETE", `/v1/projects/${projectId}/versions/1/pin`, { user });
    expect(unpin.body).toEqual({ versionNumber: 1, branch: "main", pinned: false });
    expect((await projectStub(projectId).runRetention(Date.now() + 200 * DAY_MS, true))?.prunedVersions).toBe(1);
    expect((await api("POST", `/v1/projects/${projectId}/versions/1/restore`, { user })).status).toBe(410);
    expect((await api("POST", `/v1/projects/${projectId}/versions/2/restore`, { user })).status).toBe(202);
    expect((await api("POST", `/v1/projects/${projectId}/versions/9/pin`, { user })).status).toBe(404);
    await waitForJob(user, projectId, (await postUpdate(user, projectId, "drain")).jobId);
  });
});
