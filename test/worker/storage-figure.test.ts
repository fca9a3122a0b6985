// The storage figure of GET /metrics never lists the whole bucket per scrape: a figure is
// kept with a maximum age, and a stale one is refreshed at most PAGES_PER_SCRAPE list calls
// at a time (counted here through a wrapped bucket).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_AGE_MS, PAGES_PER_SCRAPE, storageSize } from "../../src/metrics/storage.ts";

function counting(bucket: R2Bucket): { bucket: R2Bucket; lists: () => number } {
  let lists = 0;
  const wrapped = new Proxy(bucket, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (prop === "list") lists += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { bucket: wrapped, lists: () => lists };
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
});
