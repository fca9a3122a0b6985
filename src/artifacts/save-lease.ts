import type { SaveLeases } from "./leases.ts";

/** How long a save waits before asking again while a sweep holds the objects (a sweep takes seconds). */
export const LEASE_WAIT_MS = 1_000;

/**
 * Runs `work` (a save) under a save lease: waits while a sweep holds the project's objects,
 * and when the lease lapsed before the save ended (a sweep may have deleted what it relied
 * on) does it again with `verify` (trusting nothing it finds stored). `wait` may throw to
 * give up (the job's time ran out).
 */
export async function underSaveLease<T>(leases: SaveLeases, wait: (ms: number) => Promise<void>, work: (verify: boolean) => Promise<T>): Promise<T> {
  for (let verify = false; ; verify = true) {
    const holder = `save:${crypto.randomUUID()}`;
    while (!(await leases.acquire(holder))) await wait(LEASE_WAIT_MS);
    let result: T;
    try {
      result = await work(verify);
    } catch (err) {
      await leases.release(holder).catch(() => false);
      throw err;
    }
    if (await leases.release(holder)) return result;
  }
}
