import type { ArtifactStore, StoredObject } from "./store.ts";

/** What must stay: the trees, sessions and version pointers of every version still kept, on every branch. */
export interface LiveArtifacts {
  treeHashes: ReadonlySet<string>;
  sessionIds: ReadonlySet<string>;
  versions: ReadonlySet<number>;
  /** Every version number some branch has a row for (kept or pruned). */
  known: ReadonlySet<number>;
  /** A version without a row (finished before the version table existed) is kept while its pointer is newer than this. */
  legacyCutoff: number;
}

export interface CollectReport {
  blobs: number;
  trees: number;
  transcripts: number;
  versions: number;
  /** Bytes freed. */
  bytes: number;
}

const stem = (name: string): string => name.replace(/\.[a-z]+$/, "");

/** R2 reads in flight at once: a Worker holds six connections at a time, more only queue. */
const READS_AT_ONCE = 6;

/**
 * `read` of every item, READS_AT_ONCE at a time, each result handed to `use` and dropped
 * (manifests are not all held at once); false as soon as `use` says stop.
 */
async function readEach<T, R>(items: readonly T[], read: (item: T) => Promise<R>, use: (result: R, item: T) => boolean): Promise<boolean> {
  for (let i = 0; i < items.length; i += READS_AT_ONCE) {
    const batch = items.slice(i, i + READS_AT_ONCE);
    const results = await Promise.all(batch.map(read));
    for (const [j, result] of results.entries()) {
      const item = batch[j];
      if (item !== undefined && !use(result, item)) return false;
    }
  }
  return true;
}

async function all(store: ArtifactStore, kind: Parameters<ArtifactStore["list"]>[0]): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  for await (const object of store.list(kind)) out.push(object);
  return out;
}

// Mark and sweep over one project's R2 objects. Live: what a kept version or a branch head
// needs — its tree manifest and every blob the manifest names, its session's transcript and
// every transcript that transcript is a delta of (down to a whole copy) — and anything
// written after `cutoff` (a job in flight may not have recorded it yet). Everything else goes.
export async function collectGarbage(store: ArtifactStore, live: LiveArtifacts, cutoff: number, mayDelete: () => boolean = () => true): Promise<CollectReport> {
  const report: CollectReport = { blobs: 0, trees: 0, transcripts: 0, versions: 0, bytes: 0 };
  const doomed: StoredObject[] = [];

  // A kept version's pointer names its tree and session too (versions recorded before the
  // version table existed are known by their pointer only).
  const pointers = await all(store, "versions");
  const liveTrees = new Set(live.treeHashes);
  const liveRoots = new Set(live.sessionIds);
  const keptNumbers: number[] = [];
  for (const pointer of pointers) {
    const number = Number(stem(pointer.name));
    const legacyKept = !live.known.has(number) && pointer.uploaded >= live.legacyCutoff;
    if (live.versions.has(number) || legacyKept) keptNumbers.push(number);
    else if (pointer.uploaded < cutoff) doomed.push(pointer);
  }
  await readEach(keptNumbers, (number) => store.getVersion(number), (kept) => {
    if (kept !== null) liveTrees.add(kept.treeHash);
    if (kept !== null && kept.sessionId !== null) liveRoots.add(kept.sessionId);
    return true;
  });

  const trees = await all(store, "trees");
  const storedTrees = new Set(trees.map((t) => stem(t.name)));
  for (const tree of trees) if (tree.uploaded >= cutoff) liveTrees.add(stem(tree.name));
  const liveBlobs = new Set<string>();
  const readable = await readEach([...liveTrees], (hash) => store.getTree(hash), (manifest, hash) => {
    // A kept version whose manifest cannot be read: keep every blob rather than guess.
    if (manifest === null && storedTrees.has(hash)) return false;
    for (const file of manifest?.files ?? []) liveBlobs.add(file.sha256);
    return true;
  });
  if (!readable) return report;
  for (const tree of trees) if (!liveTrees.has(stem(tree.name))) doomed.push(tree);
  for (const blob of await all(store, "blobs")) if (!liveBlobs.has(blob.name) && blob.uploaded < cutoff) doomed.push(blob);

  const transcripts = await all(store, "transcripts");
  const parentOf = new Map<string, string>();
  for (const t of transcripts) {
    const parent = t.customMetadata["parent"];
    if (parent !== undefined && t.name.endsWith(".delta")) parentOf.set(stem(t.name), parent);
  }
  const liveSessions = new Set<string>();
  const pending = [...liveRoots, ...transcripts.filter((t) => t.uploaded >= cutoff).map((t) => stem(t.name))];
  while (pending.length > 0) {
    const id = pending.pop();
    if (id === undefined || liveSessions.has(id)) continue;
    liveSessions.add(id);
    const parent = parentOf.get(id);
    if (parent !== undefined) pending.push(parent);
  }
  for (const t of transcripts) if (!liveSessions.has(stem(t.name))) doomed.push(t);

  // A batch at a time, each only while the sweep still holds the project's objects (sweep.ts).
  for (let i = 0; i < doomed.length; i += DELETE_BATCH) {
    if (!mayDelete()) break;
    const batch = doomed.slice(i, i + DELETE_BATCH);
    await store.delete(batch.map((object) => object.key));
    count(report, batch);
  }
  return report;
}

/** R2 deletes at most this many keys per call. */
const DELETE_BATCH = 1000;

function count(report: CollectReport, deleted: readonly StoredObject[]): void {
  for (const object of deleted) {
    const kind = object.key.split("/")[2];
    if (kind === "blobs") report.blobs += 1;
    else if (kind === "trees") report.trees += 1;
    else if (kind === "transcripts") report.transcripts += 1;
    else report.versions += 1;
    report.bytes += object.size;
  }
}
