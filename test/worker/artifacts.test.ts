import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SessionView } from "../../src/domain/views.ts";
import { api, calls, fake, newUser, postUpdate, readyProject, waitForJob } from "./helpers.ts";

interface FakeTree {
  treeHash: string;
  fileCount: number;
  bytes: number;
  imports: number;
}

const tree = async (projectId: string): Promise<FakeTree> => (await fake(projectId, "tree")) as unknown as FakeTree;

async function session(user: string, projectId: string): Promise<SessionView> {
  return (await api("GET", `/v1/projects/${projectId}/session`, { user })).body as unknown as SessionView;
}

/** Every R2 object under a prefix, with its version (a new one each time it is written). */
async function objects(prefix: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await env.ARTIFACTS.list({ prefix, ...(cursor !== undefined ? { cursor } : {}) });
    for (const object of page.objects) found.set(object.key, object.version);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  return found;
}

describe("content-addressed workspace artifacts", () => {
  it("a 50 MB workspace saves to R2 as one blob per content and restores exactly on a wiped runner", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "generate", { count: 50, bytes: 1024 * 1024, seed: "big" });
    const first = await waitForJob(user, projectId, (await postUpdate(user, projectId, "work on the big project")).jobId, 120_000);
    expect(first.status).toBe("succeeded");
    const saved = await tree(projectId);
    expect(saved.bytes).toBeGreaterThanOrEqual(50 * 1024 * 1024);
    // the chain's tree is in R2: its manifest and every blob it names
    const manifest = await env.ARTIFACTS.get(`projects/${projectId}/trees/${saved.treeHash}.json`);
    expect(manifest).not.toBeNull();
    const files = ((await manifest?.json()) as { files: { sha256: string; size: number }[] }).files;
    expect(files).toHaveLength(saved.fileCount);
    for (const file of files) expect((await env.ARTIFACTS.head(`projects/${projectId}/blobs/${file.sha256}`))?.size).toBe(file.size);

    await fake(projectId, "wipe", {}); // the container slept: its disk is gone
    const second = await waitForJob(user, projectId, (await postUpdate(user, projectId, "carry on after the wipe")).jobId, 120_000);
    expect(second.status).toBe("succeeded");
    expect(second.resume?.decision).toBe("resume");
    // the update ran on exactly the saved tree: the runner rebuilt it and it hashed the same
    const events = await env.PROJECT.getByName(projectId).jobEvents(user, second.id, 0);
    const rehydrated = events.ok ? events.value.events.find((e) => e.type === "rehydrated" && e.data.includes('"workspace"')) : undefined;
    expect(JSON.parse(rehydrated?.data ?? "{}")).toMatchObject({ treeHash: saved.treeHash, fileCount: saved.fileCount });
    const restored = await calls(projectId);
    expect(restored.calls.find((c) => c.operation === "update")?.outcome).toBe("ok");
    const after = await tree(projectId);
    expect(after.fileCount).toBeGreaterThanOrEqual(saved.fileCount);
    expect(after.bytes).toBeGreaterThanOrEqual(saved.bytes);
  }, 180_000);

  it("a save uploads only the blobs R2 does not have", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "generate", { count: 20, bytes: 2048, seed: "small" });
    expect((await waitForJob(user, projectId, (await postUpdate(user, projectId, "first")).jobId)).status).toBe("succeeded");
    const blobs = `projects/${projectId}/blobs/`;
    const before = await objects(blobs);
    expect(before.size).toBe((await tree(projectId)).fileCount);

    // The next update adds one file; the other 21 contents are already in R2.
    expect((await waitForJob(user, projectId, (await postUpdate(user, projectId, "second")).jobId)).status).toBe("succeeded");
    const after = await objects(blobs);
    const written = [...after].filter(([key, version]) => before.get(key) !== version);
    expect(written).toHaveLength(1);
    expect(after.size).toBe(before.size + 1);
  });
});

describe("restores are exact or the job stops", () => {
  async function wipedProject(): Promise<{ user: string; projectId: string; head: string | null; treeHash: string }> {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const treeHash = (await tree(projectId)).treeHash;
    const head = (await session(user, projectId)).headSessionId;
    await fake(projectId, "wipe", {});
    return { user, projectId, head, treeHash };
  }

  async function expectStopped(user: string, projectId: string, head: string | null): Promise<void> {
    const done = await waitForJob(user, projectId, (await postUpdate(user, projectId, "must not run on an empty tree")).jobId);
    expect(done.status).toBe("failed");
    expect(done.error?.code).toBe("workspace_unavailable");
    // nothing ran on the wrong tree, and the chain did not move
    expect((await calls(projectId)).calls).toEqual([]);
    expect((await session(user, projectId)).headSessionId).toBe(head);
  }

  it("a blob missing from R2 stops the job", async () => {
    const { user, projectId, head, treeHash } = await wipedProject();
    const manifest = (await (await env.ARTIFACTS.get(`projects/${projectId}/trees/${treeHash}.json`))?.json()) as { files: { sha256: string }[] };
    const lost = manifest.files[0]?.sha256 ?? "";
    await env.ARTIFACTS.delete(`projects/${projectId}/blobs/${lost}`);
    await expectStopped(user, projectId, head);
  });

  it("a blob whose content in R2 is not what its name says stops the job (the runner refuses it)", async () => {
    const { user, projectId, head, treeHash } = await wipedProject();
    const manifest = (await (await env.ARTIFACTS.get(`projects/${projectId}/trees/${treeHash}.json`))?.json()) as { files: { sha256: string }[] };
    await env.ARTIFACTS.put(`projects/${projectId}/blobs/${manifest.files[0]?.sha256 ?? ""}`, "tampered content");
    await expectStopped(user, projectId, head);
  });

  it("a runner that keeps refusing the import stops the job after its retries", async () => {
    const { user, projectId, head } = await wipedProject();
    await fake(projectId, "refuse-imports", { count: 100, status: 503 });
    await expectStopped(user, projectId, head);
    expect((await tree(projectId)).imports).toBeGreaterThan(1); // retried within the budget
  });

  it("a runner that materialises a different tree than asked stops the job", async () => {
    const { user, projectId, head } = await wipedProject();
    await fake(projectId, "botch-imports", { count: 100 });
    await expectStopped(user, projectId, head);
  });

  it("a missing manifest for the chain's tree stops the job (no fallback to an older snapshot)", async () => {
    const { user, projectId, head, treeHash } = await wipedProject();
    await env.ARTIFACTS.delete(`projects/${projectId}/trees/${treeHash}.json`);
    await expectStopped(user, projectId, head);
  });
});
