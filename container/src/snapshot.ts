// Tree import: replace a workspace wholly with exactly the tree a manifest describes, from
// blobs already on disk. Manifest paths are untrusted and must stay inside the workspace.
import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { copyFile, mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { HttpError } from "./errors.ts";
import { IGNORED_DIRS, treeHash } from "./fingerprint.ts";
import type { FileHashes } from "./fingerprint.ts";
import { isNotFound } from "./fsutil.ts";
import type { ProjectPaths } from "./paths.ts";
import { PRODUCT_DIR } from "./product-dir.ts";
import type { TreeManifest } from "./protocol.ts";
import { manifestHashes, readTree } from "./tree.ts";

/**
 * Checks one uploaded path and returns it in canonical form. Rejects absolute paths,
 * backslashes (a Windows separator would let `..\` through), `.`/`..`/empty segments,
 * control characters, version-control directories and the product's own directory (the
 * version log is written per run, never imported as project content).
 */
export function safeRelativePath(raw: string): string {
  const fail = (why: string): never => {
    throw new HttpError(400, "bad_request", `invalid tree path ${JSON.stringify(raw.slice(0, 200))}: ${why}`);
  };
  if (raw.length === 0 || raw.length > 4096) fail("length");
  for (const ch of raw) if (ch.charCodeAt(0) < 0x20 || ch === "\u007f") fail("control character");
  if (raw.includes("\\")) fail("backslash");
  if (raw.startsWith("/") || path.isAbsolute(raw)) fail("absolute path");
  const segments = raw.split("/");
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === "..") fail("empty, '.' or '..' segment");
    if (IGNORED_DIRS.has(segment)) fail("version-control directory");
  }
  if (segments[0] === PRODUCT_DIR) fail(`the product's own directory ${PRODUCT_DIR}`);
  return segments.join("/");
}

/** Every path safe, none twice, none both a file and a directory ("a" and "a/b"). */
export function checkTreePaths(paths: readonly string[]): void {
  const seen = new Set<string>();
  for (const raw of paths) {
    const rel = safeRelativePath(raw);
    if (rel !== raw) throw new HttpError(400, "bad_request", `tree path ${JSON.stringify(raw.slice(0, 200))} is not canonical`);
    if (seen.has(rel)) throw new HttpError(400, "bad_request", `duplicate tree path ${JSON.stringify(rel)}`);
    seen.add(rel);
  }
  for (const rel of seen) {
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join("/");
      if (seen.has(prefix)) throw new HttpError(400, "bad_request", `tree path ${JSON.stringify(prefix)} is both a file and a directory`);
    }
  }
}

/** Where a blob's content can be copied from, or null when the runner does not have it. */
export type BlobSource = (sha256: string) => Promise<string | null>;

/**
 * Replaces the workspace with exactly `manifest`: builds the tree beside it from local
 * blobs, hashes what was built and compares it with the manifest's tree hash, then swaps
 * directories. Anything short of an exact tree leaves the old workspace untouched. The
 * staging directory is created fresh, so no write goes through a symlink; sources are
 * regular files (the workspace listing skips symlinks, the blob cache holds only ours).
 */
export async function materializeTree(paths: ProjectPaths, manifest: TreeManifest, source: BlobSource): Promise<FileHashes> {
  checkTreePaths(manifest.files.map((file) => file.path));
  if (treeHash(manifestHashes(manifest.files)) !== manifest.treeHash) {
    throw new HttpError(422, "tree_mismatch", "the manifest's treeHash does not match its files");
  }
  const missing: string[] = [];
  const sources = new Map<string, string>();
  for (const file of manifest.files) {
    if (sources.has(file.sha256)) continue;
    const found = await source(file.sha256);
    if (found === null) missing.push(file.sha256);
    else sources.set(file.sha256, found);
  }
  if (missing.length > 0) throw new HttpError(422, "blob_not_found", `${missing.length} blob(s) missing, e.g. ${missing[0] ?? ""}`);

  await mkdir(paths.root, { recursive: true });
  const staging = path.join(paths.root, `.incoming-${randomUUID()}`);
  const trash = path.join(paths.root, `.trash-${randomUUID()}`);
  try {
    await mkdir(staging);
    for (const file of manifest.files) {
      const target = path.resolve(staging, file.path);
      // Belt and braces: safeRelativePath already guarantees this.
      if (!target.startsWith(staging + path.sep)) throw new HttpError(400, "bad_request", "path escapes the workspace");
      await mkdir(path.dirname(target), { recursive: true });
      const from = sources.get(file.sha256);
      if (from === undefined) throw new HttpError(422, "blob_not_found", `blob ${file.sha256} missing`);
      await copyFile(from, target, constants.COPYFILE_EXCL);
    }
    // What is on disk now, not what we meant to write, decides.
    const built = await readTree(staging);
    if (built.manifest.treeHash !== manifest.treeHash) {
      throw new HttpError(422, "tree_mismatch", "the materialised tree does not hash to the manifest's treeHash");
    }
    try {
      await rename(paths.workspace, trash);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await rename(staging, paths.workspace);
    return manifestHashes(manifest.files);
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(trash, { recursive: true, force: true });
  }
}
