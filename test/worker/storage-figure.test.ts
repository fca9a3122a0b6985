// The storage figure of GET /metrics never lists the whole bucket per scrape: a figure is
// kept with a maximum age, and a stale one is refreshed at most PAGES_PER_SCRAPE list calls
// at a time (counted here through a wrapped bucket). The retention sweep, the other reader
// of whole listings, reads what it keeps a few at a time instead of one by one.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { collectGarbage } from "../../src/artifacts/collect.ts";
import { ArtifactStore } from "../../src/artifacts/store.ts";
import { sha256 } from "../../src/do/scheduler/idempotency.ts";
import { MAX_AGE_MS, PAGES_PER_SCRAPE, storageSize } from "../../src/metrics/storage.ts";

/** The bucket, counting its list calls and the most gets in flight at once. */
function counting(bucket: R2Bucket): { bucket: R2Bucket; lists: () => number; mostGetsAtOnce: () => number } {
  let lists = 0;
  let gets = 0;
  let mostGets = 0;
  const wrapped = new Proxy(bucket, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (prop === "list") lists += 1;
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (prop !== "get") return result;
        gets += 1;
        mostGets = Math.max(mostGets, gets);
        return (result as Promise<unknown>).finally(() => (gets -= 1));
      };
    },
  });
  return { bucket: wrapped, lists: () => lists, mostGetsAtOnce: () => mostGets };
}

describe("the storage figure", () => {
  it("is listed once, then served until it is MAX_AGE_MS old, then listed again", async () => {
    const id = `figure-${crypto.randomUUID()}`;
    for (let i = 0; i < 5; i++) await env.ARTIFACTS.put(`projects/${id}/blobs/${i}`, "x".repeat(10));
    const r2 = counting(env.ARTIFACTS);
    const now = Date.now();
    expect(await storageSize(r2.bucket, [id], now)).toEqual({ bytes: 50, objects: 5 });
    expect(r2.lists()).toBe(1);
    await env.ARTIFACTS.put(`projects/${id}/blobs/5`, "x".repeat(10));
    expect(await storageSize(r2.bucket, [id], now + 1000)).toEqual({ bytes: 50, objects: 5 });
    expect(r2.lists()).toBe(1);
    expect(await storageSize(r2.bucket, [id], now + MAX_AGE_MS)).toEqual({ bytes: 60, objects: 6 });
    expect(r2.lists()).toBe(2);
  });

  it("makes at most PAGES_PER_SCRAPE list calls per scrape; the next scrape goes on where it stopped", async () => {
    const ids = Array.from({ length: PAGES_PER_SCRAPE + 5 }, () => `figure-${crypto.randomUUID()}`);
    for (const id of ids) await env.ARTIFACTS.put(`projects/${id}/blobs/a`, "abc");
    const r2 = counting(env.ARTIFACTS);
    const now = Date.now();
    const first = await storageSize(r2.bucket, ids, now);
    expect(r2.lists()).toBe(PAGES_PER_SCRAPE);
    expect(first.objects).toBe(PAGES_PER_SCRAPE);
    expect(await storageSize(r2.bucket, ids, now + 1)).toEqual({ bytes: 3 * ids.length, objects: ids.length });
    expect(r2.lists()).toBe(PAGES_PER_SCRAPE + 5);
  });

  it("the retention sweep reads kept versions' pointers and manifests several at a time, not one R2 round trip after another", async () => {
    const projectId = `sweep-${crypto.randomUUID()}`;
    const r2 = counting(env.ARTIFACTS);
    const store = new ArtifactStore(r2.bucket, projectId);
    const kept = Array.from({ length: 12 }, (_, i) => i + 1);
    for (const versionNumber of kept) {
      const treeHash = await sha256(`tree ${projectId} ${versionNumber}`);
      await store.putTree({ treeHash, files: [] });
      await store.putVersion({ versionNumber, treeHash, sessionId: null });
    }
    const live = { treeHashes: new Set<string>(), sessionIds: new Set<string>(), versions: new Set(kept), known: new Set(kept), legacyCutoff: 0 };
    const report = await collectGarbage(store, live, Date.now() + 60_000);
    expect(report).toMatchObject({ trees: 0, versions: 0 }); // every kept version's tree stays
    expect(r2.mostGetsAtOnce()).toBeGreaterThan(1);
    expect(r2.mostGetsAtOnce()).toBeLessThanOrEqual(6); // a Worker's connections at once
  });
});
