// A workspace as content: each regular file's path, sha256 and size. This is what R2
// stores (one blob per distinct content plus a manifest) and what a restore materialises.
import { createHash } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { openRegularFile } from "./confine/regular-files.ts";
import { treeHash, walkWorkspace } from "./fingerprint.ts";
import type { FileHashes } from "./fingerprint.ts";
import type { TreeEntry, TreeManifest } from "./protocol.ts";

export interface ListedTree {
  manifest: TreeManifest;
  /** sha256 → a file in the workspace with that content. */
  locations: Map<string, string>;
}

/** Hashes the workspace file by file, streaming, so no file is held whole in memory. */
export async function readTree(workspace: string): Promise<ListedTree> {
  const files: TreeEntry[] = [];
  const locations = new Map<string, string>();
  for (const file of await walkWorkspace(workspace)) {
    const hashed = await hashFile(file.abs);
    // A file swapped for a symlink (or removed) since the walk is not part of the tree.
    if (hashed === null) continue;
    const { sha256, size } = hashed;
    files.push({ path: file.path, sha256, size });
    locations.set(sha256, file.abs);
  }
  return { manifest: { treeHash: treeHash(manifestHashes(files)), files }, locations };
}

export function manifestHashes(files: readonly TreeEntry[]): FileHashes {
  return new Map(files.map((file) => [file.path, file.sha256]));
}

/** sha256 and size of a regular file, streamed; null when it is not one (never follows a link). */
export async function hashFile(abs: string): Promise<{ sha256: string; size: number } | null> {
  const handle = await openRegularFile(abs);
  if (handle === null) return null;
  const hash = createHash("sha256");
  let size = 0;
  await pipeline(handle.createReadStream(), async function* (chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) {
      size += chunk.length;
      hash.update(chunk);
    }
  });
  return { sha256: hash.digest("hex"), size };
}

/**
 * Where the blobs of each workspace's last listed tree live, so a blob can be served by
 * its hash without hashing the workspace again. A stale entry only means the content read
 * no longer matches its name, which the reader (R2's sha256 check) refuses.
 */
export class BlobLocations {
  private readonly byWorkspace = new Map<string, Map<string, string>>();

  remember(workspaceId: string, locations: Map<string, string>): void {
    this.byWorkspace.set(workspaceId, locations);
  }

  find(workspaceId: string, sha256: string): string | null {
    return this.byWorkspace.get(workspaceId)?.get(sha256) ?? null;
  }
}
