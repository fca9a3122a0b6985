import type { RunnerClient } from "../runner/client.ts";
import type { Fingerprint, TreeManifest } from "../runner/protocol.ts";
import type { ArtifactStore } from "./store.ts";

/** sha256 of nothing: the tree hash of an empty workspace. */
export const EMPTY_TREE_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** A restore that cannot be exact. `permanent`: R2 lacks what the tree needs, retrying cannot help. */
export class RestoreError extends Error {
  readonly permanent: boolean;
  constructor(message: string, permanent: boolean) {
    super(message);
    this.name = "RestoreError";
    this.permanent = permanent;
  }
}

export interface SyncTarget {
  runner: Pick<RunnerClient, "tree" | "openBlob" | "missingBlobs" | "putBlob" | "importTree">;
  store: ArtifactStore;
  workspaceId: string;
  /** Called after each blob moved: a transfer that spans invocations is progress. */
  onBlob(): void;
}

export interface SaveResult {
  /** Blobs uploaded (R2 had the others). */
  uploaded: number;
  bytes: number;
}

/**
 * Runner → R2: stores the workspace's tree unless R2 has it. Only blobs R2 lacks move, each
 * streamed from the runner into R2 (which checks it against its sha256); the manifest is
 * written last, so a manifest in R2 always has all its blobs. Blobs of `baseTreeHash` (the
 * tree before this one, usually) are known to be in R2 and cost no lookup. Run it under a
 * save lease (save-lease.ts): what it finds stored stays stored until the manifest is
 * written, and the manifest is always written (again, when R2 had it), so that a fresh
 * manifest keeps itself and its blobs out of the next sweep until the chain records it.
 * `verify`: a stored manifest is not trusted (a sweep may have run under a lapsed lease).
 */
export async function saveTree(target: SyncTarget, treeHash: string, baseTreeHash: string | null, verify = false): Promise<SaveResult> {
  const { runner, store, workspaceId } = target;
  const result: SaveResult = { uploaded: 0, bytes: 0 };
  const stored = verify ? null : await store.getTree(treeHash);
  if (stored !== null) {
    await store.putTree(stored);
    return result;
  }
  const manifest = await runner.tree(workspaceId);
  if (manifest.treeHash !== treeHash) throw new Error(`the workspace is tree ${manifest.treeHash.slice(0, 12)}, not the expected ${treeHash.slice(0, 12)}`);
  const base = baseTreeHash === null ? null : await store.getTree(baseTreeHash);
  const known = new Set(base?.files.map((file) => file.sha256));
  for (const file of uniqueBlobs(manifest)) {
    if (known.has(file.sha256) || (await store.hasBlob(file.sha256))) continue;
    await store.putBlob(file.sha256, await runner.openBlob(workspaceId, file.sha256));
    result.uploaded += 1;
    result.bytes += file.size;
    target.onBlob();
  }
  await store.putTree(manifest);
  return result;
}

/**
 * R2 → runner: makes the workspace exactly the tree `treeHash`. Streams only the blobs the
 * runner lacks, then has it materialise the manifest (it verifies the tree hash itself),
 * and checks the fingerprint it answers with.
 */
export async function restoreTree(target: SyncTarget, treeHash: string): Promise<Fingerprint> {
  const { runner, store, workspaceId } = target;
  const manifest = (await store.getTree(treeHash)) ?? (treeHash === EMPTY_TREE_HASH ? { treeHash, files: [] } : null);
  if (manifest === null) throw new RestoreError(`R2 has no manifest for tree ${treeHash.slice(0, 12)}`, true);
  const wanted = uniqueBlobs(manifest).map((file) => file.sha256);
  const missing = wanted.length === 0 ? [] : await runner.missingBlobs(workspaceId, wanted);
  for (const sha256 of missing) {
    const blob = await store.openBlob(sha256);
    if (blob === null) throw new RestoreError(`R2 has no blob ${sha256.slice(0, 12)} of tree ${treeHash.slice(0, 12)}`, true);
    await runner.putBlob(workspaceId, sha256, blob);
    target.onBlob();
  }
  const fingerprint = await runner.importTree(workspaceId, manifest);
  if (fingerprint.treeHash !== treeHash) throw new RestoreError(`the runner materialised tree ${fingerprint.treeHash.slice(0, 12)}, not ${treeHash.slice(0, 12)}`, false);
  return fingerprint;
}

/** One entry per distinct content: a file copied to two paths is one blob. */
function uniqueBlobs(manifest: TreeManifest): TreeManifest["files"] {
  const byHash = new Map<string, TreeManifest["files"][number]>();
  for (const file of manifest.files) if (!byHash.has(file.sha256)) byHash.set(file.sha256, file);
  return [...byHash.values()];
}
