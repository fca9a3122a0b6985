// Workspace fingerprint: what files exist and a hash of their contents, plus the change
// against the fingerprint the project's previous run (or snapshot import) left behind.
import { createHash } from "node:crypto";
import type { Dirent } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { readRegularFile } from "./confine/regular-files.ts";
import { isNotFound, writeFileAtomic } from "./fsutil.ts";
import { PRODUCT_DIR } from "./product-dir.ts";
import type { Fingerprint, FingerprintChanges } from "./protocol.ts";

/** Version-control metadata is not project content. */
export const IGNORED_DIRS: ReadonlySet<string> = new Set([".git", ".hg", ".svn", ".jj", ".bzr"]);

/** Full sha256 per relative posix path, sorted by path. */
export type FileHashes = Map<string, string>;

export interface WorkspaceFile {
  path: string;
  content: Buffer;
}

export interface WorkspacePath {
  /** Relative posix path inside the workspace. */
  path: string;
  abs: string;
}

/**
 * Regular files under the workspace, sorted by path. Symlinks are skipped, never followed:
 * they could point outside the workspace. The product's own directory at the top (the
 * version log) is skipped: it is not user work.
 */
export async function walkWorkspace(workspace: string): Promise<WorkspacePath[]> {
  const out: WorkspacePath[] = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    for (const entry of entries) {
      const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!IGNORED_DIRS.has(entry.name) && rel !== PRODUCT_DIR) await walk(abs, rel);
      } else if (entry.isFile()) {
        out.push({ path: rel, abs });
      }
    }
  }
  await walk(workspace, "");
  return out.sort((a, b) => compare(a.path, b.path));
}

/** Regular files under the workspace with their contents, sorted by path. */
export async function listWorkspaceFiles(workspace: string): Promise<WorkspaceFile[]> {
  const out: WorkspaceFile[] = [];
  for (const file of await walkWorkspace(workspace)) {
    // A file swapped for a symlink since the walk is skipped, never followed.
    const content = await readRegularFile(file.abs);
    if (content !== null) out.push({ path: file.path, content });
  }
  return out;
}

export function hashFiles(files: readonly WorkspaceFile[]): FileHashes {
  const hashes: FileHashes = new Map();
  for (const file of [...files].sort((a, b) => compare(a.path, b.path))) {
    hashes.set(file.path, createHash("sha256").update(file.content).digest("hex"));
  }
  return hashes;
}

export async function hashWorkspace(workspace: string): Promise<FileHashes> {
  return hashFiles(await listWorkspaceFiles(workspace));
}

export function treeHash(hashes: FileHashes): string {
  const tree = createHash("sha256");
  for (const [file, hash] of [...hashes].sort((a, b) => compare(a[0], b[0]))) tree.update(`${file}\0${hash}\n`);
  return tree.digest("hex");
}

export function diffHashes(previous: FileHashes, current: FileHashes): FingerprintChanges {
  const added: string[] = [];
  const removed: string[] = [];
  const modified: string[] = [];
  for (const [file, hash] of current) {
    const before = previous.get(file);
    if (before === undefined) added.push(file);
    else if (before !== hash) modified.push(file);
  }
  for (const file of previous.keys()) if (!current.has(file)) removed.push(file);
  return { added: added.sort(compare), removed: removed.sort(compare), modified: modified.sort(compare) };
}

export function toFingerprint(current: FileHashes, previous: FileHashes | null): Fingerprint {
  const files: Record<string, string> = {};
  for (const [file, hash] of current) files[file] = hash.slice(0, 12);
  return {
    fileCount: current.size,
    treeHash: treeHash(current),
    files,
    changes: previous === null ? null : diffHashes(previous, current),
  };
}

const BaselineFile = z.object({ version: z.literal(1), files: z.record(z.string(), z.string()) });

export async function loadBaseline(file: string): Promise<FileHashes | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  // A damaged baseline only costs us the `changes` list; never fail a run for it.
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = BaselineFile.safeParse(raw);
  return parsed.success ? new Map(Object.entries(parsed.data.files)) : null;
}

export async function saveBaseline(file: string, hashes: FileHashes): Promise<void> {
  await writeFileAtomic(file, JSON.stringify({ version: 1, files: Object.fromEntries(hashes) }));
}

/** Plain code-unit comparison, so the order never depends on locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
