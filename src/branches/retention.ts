import type { ChainStore } from "../do/storage/chain.ts";
import type { JobStore } from "../do/storage/jobs.ts";
import type { OutboxStore } from "../do/storage/outbox.ts";
import type { VersionStore } from "../do/storage/versions.ts";

/** What one branch needs storage to keep (plain arrays: it crosses the RPC boundary). */
export interface BranchRoots {
  treeHashes: string[];
  sessionIds: string[];
  /** Versions kept, and every version the branch has a row for. */
  versions: number[];
  known: number[];
  /** Versions this run pruned. */
  pruned: number;
}

export interface PruneStores {
  branch: string;
  versions: VersionStore;
  chain: ChainStore;
  jobs: JobStore;
  outbox: OutboxStore;
}

/**
 * Retention in one branch: versions finished more than `maxAgeMs` ago are pruned, except the
 * branch's head (its latest version that succeeded), pinned versions, and versions an open
 * restore waits for. A pruned version keeps its row (and its Postgres row, `pruned_at`
 * set); its files and session go when nothing kept needs them. `maxAgeMs` 0 keeps all.
 * Returns what this branch still needs.
 */
export function pruneBranch(stores: PruneStores, now: number, maxAgeMs: number): BranchRoots {
  const { versions, chain, jobs, outbox } = stores;
  const sources = jobs.openSources();
  const keep = new Set<number>(sources.filter((s) => s.branch === stores.branch).map((s) => s.versionNumber));
  const head = versions.latestSucceeded();
  if (head !== null) keep.add(head);
  const prunable = maxAgeMs > 0 ? versions.prunable(now - maxAgeMs, keep) : [];
  for (const version of prunable) {
    versions.markPruned(version.number, now);
    outbox.push({ op: "update_version", id: version.id, patch: { prunedAt: new Date(now).toISOString() } });
  }
  const kept = versions.kept();
  const state = chain.get();
  return {
    treeHashes: [...kept.treeHashes, ...sources.map((s) => s.treeHash), ...(state.fingerprint === null ? [] : [state.fingerprint.treeHash])],
    sessionIds: [...kept.sessionIds, ...sources.map((s) => s.sessionId), ...(state.headSessionId === null ? [] : [state.headSessionId])],
    versions: kept.numbers,
    known: versions.numbers(),
    pruned: prunable.length,
  };
}
