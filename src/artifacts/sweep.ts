import type { CollectReport, LiveArtifacts } from "./collect.ts";
import { collectGarbage } from "./collect.ts";
import type { ArtifactLeases } from "./leases.ts";
import type { ArtifactStore } from "./store.ts";

/**
 * The garbage collection under the project's exclusive lease (leases.ts): null when a save
 * holds the objects now (the next retention run collects instead). The lease is renewed
 * before every delete batch and the sweep stops when it was lost.
 */
export async function sweepUnderLease(leases: ArtifactLeases, store: ArtifactStore, live: LiveArtifacts, cutoff: number, clock: () => number = Date.now): Promise<CollectReport | null> {
  const holder = `sweep:${crypto.randomUUID()}`;
  if (!leases.acquire("sweep", holder, clock())) return null;
  try {
    return await collectGarbage(store, live, cutoff, () => leases.renew(holder, clock()));
  } finally {
    leases.release(holder, clock());
  }
}
