// The snapshot rule for symlinks: a snapshot holds regular files only, and moving files
// between a workspace and a snapshot never follows a link. Export reads a file only if it
// is a regular file at the moment it is opened (a symlink is skipped, so its target never
// enters a snapshot); import writes only through real directories and replaces the entry
// itself (a symlink or hard link already at the path is swapped out, never written through).
// Callers validate the relative path first (snapshot.ts safeRelativePath).
import { randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { lstat, mkdir, open, rename, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";

/**
 * An open handle on `file` if it is a regular file at the moment it is opened (not a
 * symlink, FIFO, device …); else null. The caller closes it.
 */
export async function openRegularFile(file: string): Promise<FileHandle | null> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO must not hang; O_NOFOLLOW: a symlink fails with ELOOP.
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (codeOf(err) === "ELOOP" || codeOf(err) === "ENOENT" || codeOf(err) === "ENXIO") return null;
    throw err;
  }
  if ((await handle.stat()).isFile()) return handle;
  await handle.close();
  return null;
}

/** The content of `file` if it is a regular file (not a symlink, FIFO, device …); else null. */
export async function readRegularFile(file: string): Promise<Buffer | null> {
  const handle = await openRegularFile(file);
  if (handle === null) return null;
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `content` at `rel` under `root` as a new regular file. Every directory on the way
 * is created or must already be a real directory (a symlink there is an error); the file
 * is written beside its destination and renamed over it.
 */
export async function writeRegularFile(root: string, rel: string, content: Uint8Array): Promise<void> {
  const segments = rel.split("/");
  let dir = root;
  for (const segment of segments.slice(0, -1)) {
    dir = path.join(dir, segment);
    try {
      await mkdir(dir);
    } catch (err) {
      if (codeOf(err) !== "EEXIST") throw err;
      if (!(await lstat(dir)).isDirectory()) throw new SymlinkRefusedError(rel);
    }
  }
  const target = path.join(dir, segments.at(-1) ?? "");
  const temp = path.join(dir, `.incoming-${randomUUID()}`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

export class SymlinkRefusedError extends Error {
  constructor(rel: string) {
    super(`snapshot path ${JSON.stringify(rel.slice(0, 200))} passes through something that is not a directory`);
  }
}

function codeOf(err: unknown): unknown {
  return typeof err === "object" && err !== null && "code" in err ? (err as { code: unknown }).code : null;
}
