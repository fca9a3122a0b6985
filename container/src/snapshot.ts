// Workspace snapshots: export every file as base64, or replace the workspace wholly with
// an uploaded set. Uploaded paths are untrusted and must stay inside the workspace.
import { randomUUID } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { SymlinkRefusedError, writeRegularFile } from "./confine/regular-files.ts";
import { HttpError } from "./errors.ts";
import { IGNORED_DIRS, listWorkspaceFiles } from "./fingerprint.ts";
import type { WorkspaceFile } from "./fingerprint.ts";
import { isNotFound } from "./fsutil.ts";
import type { ProjectPaths } from "./paths.ts";
import type { SnapshotFile } from "./protocol.ts";

export async function exportSnapshot(workspace: string): Promise<WorkspaceFile[]> {
  return listWorkspaceFiles(workspace);
}

export function encodeSnapshot(files: readonly WorkspaceFile[]): SnapshotFile[] {
  return files.map((file) => ({ path: file.path, contentBase64: file.content.toString("base64") }));
}

/**
 * Checks one uploaded path and returns it in canonical form. Rejects absolute paths,
 * backslashes (a Windows separator would let `..\` through), `.`/`..`/empty segments,
 * control characters and version-control directories.
 */
export function safeRelativePath(raw: string): string {
  const fail = (why: string): never => {
    throw new HttpError(400, "bad_request", `invalid snapshot path ${JSON.stringify(raw.slice(0, 200))}: ${why}`);
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
  return segments.join("/");
}

export interface DecodedFile {
  path: string;
  content: Buffer;
}

export function decodeSnapshot(files: readonly SnapshotFile[]): DecodedFile[] {
  const seen = new Set<string>();
  const decoded: DecodedFile[] = [];
  for (const file of files) {
    const rel = safeRelativePath(file.path);
    if (seen.has(rel)) throw new HttpError(400, "bad_request", `duplicate snapshot path ${JSON.stringify(rel)}`);
    seen.add(rel);
    decoded.push({ path: rel, content: Buffer.from(file.contentBase64, "base64") });
  }
  // "a" as a file and "a/b" would need "a" to be both a file and a directory.
  for (const rel of seen) {
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join("/");
      if (seen.has(prefix)) throw new HttpError(400, "bad_request", `snapshot path ${JSON.stringify(prefix)} is both a file and a directory`);
    }
  }
  return decoded;
}

/**
 * Replaces the workspace: builds the new tree beside it, then swaps directories, so a
 * failure half-way leaves the old workspace intact and nothing is written through a
 * symlink that was in the old tree.
 */
export async function importSnapshot(paths: ProjectPaths, files: readonly DecodedFile[]): Promise<void> {
  await mkdir(paths.root, { recursive: true });
  const staging = path.join(paths.root, `.incoming-${randomUUID()}`);
  const trash = path.join(paths.root, `.trash-${randomUUID()}`);
  try {
    await mkdir(staging);
    for (const file of files) {
      // Belt and braces: safeRelativePath already guarantees this.
      if (!path.resolve(staging, file.path).startsWith(staging + path.sep)) throw new HttpError(400, "bad_request", "path escapes the workspace");
      try {
        await writeRegularFile(staging, file.path, file.content);
      } catch (err) {
        if (err instanceof SymlinkRefusedError) throw new HttpError(400, "bad_request", err.message);
        throw err;
      }
    }
    try {
      await rename(paths.workspace, trash);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await rename(staging, paths.workspace);
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(trash, { recursive: true, force: true });
  }
}
