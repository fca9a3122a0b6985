// A save and the project's garbage collection interleaved on purpose: R2 is wrapped so the
// test can hold a save right after it found a blob already stored (or hold a sweep at its
// delete), and the other side runs meanwhile. Without the leases the save's new manifest
// names a blob the sweep deleted; with them it never does.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { collectGarbage } from "../../src/artifacts/collect.ts";
import type { LiveArtifacts } from "../../src/artifacts/collect.ts";
import { ArtifactLeases } from "../../src/artifacts/leases.ts";
import type { SaveLeases } from "../../src/artifacts/leases.ts";
import { underSaveLease } from "../../src/artifacts/save-lease.ts";
import { ArtifactStore } from "../../src/artifacts/store.ts";
import { saveTree } from "../../src/artifacts/sync.ts";
import type { SyncTarget } from "../../src/artifacts/sync.ts";
import { sweepUnderLease } from "../../src/artifacts/sweep.ts";
import type { TreeManifest } from "../../src/runner/protocol.ts";
import { migrate } from "../../src/do/storage/schema.ts";
import { calls, job, newUser, postUpdate, projectStub, readyProject, waitForJob } from "./helpers.ts";

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

interface Hold {
  /** Resolves when the held call has happened (and waits). */
  reached: Promise<void>;
  release(): void;
}

/** R2 that can hold one call (by method and key) after it ran, until the test releases it. */
function pausable(bucket: R2Bucket): { bucket: R2Bucket; holdAfter(method: "head" | "delete", key: string): Hold } {
  const holds = new Map<string, { arrive: () => void; gate: Promise<void> }>();
  const wrapped = new Proxy(bucket, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        const keys = Array.isArray(args[0]) ? (args[0] as string[]) : [String(args[0])];
        for (const key of keys) {
          const hold = holds.get(`${String(prop)} ${key}`);
          if (hold === undefined) continue;
          holds.delete(`${String(prop)} ${key}`);
          hold.arrive();
          await hold.gate;
        }
        return result;
      };
    },
  });
  return {
    bucket: wrapped,
    holdAfter(method, key) {
      let arrive = (): void => undefined;
      let release = (): void => undefined;
      const reached = new Promise<void>((resolve) => (arrive = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      holds.set(`${method} ${key}`, { arrive, gate });
      return { reached, release };
    },
  };
}

/** A project whose R2 holds an old tree (one blob, `shared`) nothing refers to any more, and a workspace whose new tree reuses that blob. */
async function scene() {
  const projectId = `gc-${crypto.randomUUID()}`;
  const r2 = pausable(env.ARTIFACTS);
  const store = new ArtifactStore(r2.bucket, projectId);
  const contents = { shared: "a file every version has", fresh: `new in this step ${projectId}` };
  const shared = await sha256(contents.shared);
  const fresh = await sha256(contents.fresh);
  const oldTree: TreeManifest = { treeHash: await sha256(`old ${projectId}`), files: [{ path: "a.txt", sha256: shared, size: contents.shared.length }] };
  const newTree: TreeManifest = {
    treeHash: await sha256(`new ${projectId}`),
    files: [{ path: "a.txt", sha256: shared, size: contents.shared.length }, { path: "b.txt", sha256: fresh, size: contents.fresh.length }],
  };
  await env.ARTIFACTS.put(`projects/${projectId}/blobs/${shared}`, contents.shared);
  await store.putTree(oldTree);
  const byHash = new Map([[shared, contents.shared], [fresh, contents.fresh]]);
  const target: SyncTarget = {
    store, workspaceId: projectId, onBlob: () => undefined,
    runner: {
      tree: async () => newTree,
      openBlob: async (_ws, hash) => {
        const text = byHash.get(hash) ?? "";
        return { body: new Response(text).body ?? new ReadableStream(), size: new TextEncoder().encode(text).length };
      },
      missingBlobs: () => Promise.reject(new Error("not used")),
      putBlob: () => Promise.reject(new Error("not used")),
      importTree: () => Promise.reject(new Error("not used")),
    },
  };
  /** Nothing is kept, and everything stored so far counts as old. */
  const live: LiveArtifacts = { treeHashes: new Set(), sessionIds: new Set(), versions: new Set(), known: new Set(), legacyCutoff: 0 };
  const cutoff = Date.now() + 60_000;
  /** Every blob the new manifest in R2 names, and whether R2 has it. */
  const newTreeComplete = async (): Promise<Record<string, boolean>> => {
    const manifest = await store.getTree(newTree.treeHash);
    const out: Record<string, boolean> = {};
    for (const file of manifest?.files ?? []) out[file.path] = await store.hasBlob(file.sha256);
    return out;
  };
  return { projectId, r2, store, target, live, cutoff, newTree, newTreeComplete, blobKey: `projects/${projectId}/blobs/${shared}` };
}

/** The leases as main's object keeps them, in a fresh object's SQLite. */
function inLeaseKeeper(test: (leases: ArtifactLeases, saveLeases: SaveLeases) => Promise<void>): Promise<void> {
  return runInDurableObject(env.PROJECT.getByName(`leases-${crypto.randomUUID()}`), async (_instance, state) => {
    migrate(state.storage.sql);
    const leases = new ArtifactLeases(state.storage.sql);
    await test(leases, {
      acquire: async (holder) => leases.acquire("save", holder, Date.now()),
      release: async (holder) => leases.release(holder, Date.now()),
    });
  });
}

const nap = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("saves and garbage collection", () => {
  it("without leases, a sweep between a save's look and its manifest leaves the manifest naming a deleted blob (the race)", async () => {
    const s = await scene();
    const held = s.r2.holdAfter("head", s.blobKey);
    const saving = saveTree(s.target, s.newTree.treeHash, null);
    await held.reached; // the save saw the blob stored and will not upload it
    await collectGarbage(s.store, s.live, s.cutoff);
    held.release();
    await saving;
    expect(await s.newTreeComplete()).toEqual({ "a.txt": false, "b.txt": true });
  });

  it("a sweep while a save holds its lease collects nothing; the save's manifest is complete", async () => {
    const s = await scene();
    await inLeaseKeeper(async (leases, saveLeases) => {
      const held = s.r2.holdAfter("head", s.blobKey);
      const saving = underSaveLease(saveLeases, nap, (verify) => saveTree(s.target, s.newTree.treeHash, null, verify));
      await held.reached;
      expect(await sweepUnderLease(leases, s.store, s.live, s.cutoff)).toBeNull();
      held.release();
      await saving;
      expect(await s.newTreeComplete()).toEqual({ "a.txt": true, "b.txt": true });
      // Once the save is done the sweep runs, and keeps what a kept tree names.
      const report = await sweepUnderLease(leases, s.store, { ...s.live, treeHashes: new Set([s.newTree.treeHash]) }, s.cutoff);
      expect(report).toMatchObject({ trees: 1, blobs: 0 });
      expect(await s.newTreeComplete()).toEqual({ "a.txt": true, "b.txt": true });
    });
  });

  it("a save waits for a sweep that holds the objects, then uploads what the sweep deleted", async () => {
    const s = await scene();
    await inLeaseKeeper(async (leases, saveLeases) => {
      const held = s.r2.holdAfter("delete", s.blobKey);
      const sweeping = sweepUnderLease(leases, s.store, s.live, s.cutoff);
      await held.reached; // the sweep is deleting the old tree's blob
      let waits = 0;
      const saving = underSaveLease(saveLeases, async (ms) => {
        waits += 1;
        if (waits === 1) held.release();
        await nap(ms / 100);
      }, (verify) => saveTree(s.target, s.newTree.treeHash, null, verify));
      expect(await sweeping).toMatchObject({ blobs: 1, trees: 1 });
      const saved = await saving;
      expect(waits).toBeGreaterThan(0);
      expect(saved.uploaded).toBe(2);
      expect(await s.newTreeComplete()).toEqual({ "a.txt": true, "b.txt": true });
    });
  });

  it("a save that outlived its lease is done again, trusting nothing stored", async () => {
    const s = await scene();
    await inLeaseKeeper(async (leases, saveLeases) => {
      const verifies: boolean[] = [];
      const saved = await underSaveLease(saveLeases, nap, async (verify) => {
        verifies.push(verify);
        const result = await saveTree(s.target, s.newTree.treeHash, null, verify);
        // The lease lapses and a sweep runs before the save says it is done (once).
        if (!verify) {
          await s.store.delete([s.blobKey]);
          leases.acquire("sweep", "sweep:test", Date.now() + 60 * 60_000);
          leases.release("sweep:test", Date.now() + 60 * 60_000);
        }
        return result;
      });
      expect(verifies).toEqual([false, true]);
      expect(saved.uploaded).toBe(1);
      expect(await s.newTreeComplete()).toEqual({ "a.txt": true, "b.txt": true });
    });
  });

  it("a job's save waits while main's sweep holds the project's objects, and completes once it is let go", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const main = projectStub(projectId);
    const sweep = `sweep:${crypto.randomUUID()}`;
    const sweepLease = (take: boolean): Promise<boolean> => runInDurableObject(main, (_instance, state) => {
      const leases = new ArtifactLeases(state.storage.sql);
      return take ? leases.acquire("sweep", sweep, Date.now()) : leases.release(sweep, Date.now());
    });
    expect(await sweepLease(true)).toBe(true);
    try {
      const { jobId } = await postUpdate(user, projectId, "saved after the sweep");
      // The runner's step is done; only the save of its tree is left.
      for (let i = 0; i < 200 && !(await calls(projectId)).calls.some((c) => c.operation === "update" && c.outcome === "ok"); i++) await nap(50);
      await nap(3_000); // past an invocation boundary (JOB_INVOCATION_BUDGET_MS is 2 s)
      expect((await job(user, projectId, jobId)).status).toBe("running");
      expect(await sweepLease(false)).toBe(true);
      const done = await waitForJob(user, projectId, jobId);
      expect([done.status, done.error?.code ?? null]).toEqual(["succeeded", null]);
    } finally {
      await sweepLease(false);
    }
  });

  it("main's retention run collects nothing while a save holds its lease (taken over RPC, as a branch's save does); the next run does", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    expect((await waitForJob(user, projectId, (await postUpdate(user, projectId, "update two")).jobId)).status).toBe("succeeded");
    const main = projectStub(projectId);
    const later = Date.now() + 200 * 86_400_000; // v1 past VERSION_RETENTION_DAYS, every object past the grace
    const save = `save:${crypto.randomUUID()}`;
    expect(await main.acquireSaveLease(save)).toBe(true);
    expect(await main.runRetention(later, true)).toMatchObject({ prunedVersions: 1, collected: null });
    expect(await main.releaseSaveLease(save)).toBe(true);
    const next = await main.runRetention(later, true);
    expect(next?.collected?.trees).toBeGreaterThan(0);
  });
});
