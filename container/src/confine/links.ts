// Symlinks under a search root that lead out of the workspace. Claude Code 2.1.330's Glob
// and Grep do not follow symlinks while they walk (measured), but a search over a tree that
// holds such a link is refused anyway: one engine upgrade that adds `--follow` must not
// open the host's filesystem.
import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { isWithin, resolvePhysical } from "./resolve.ts";

/** The first symlink under `dir` (physical) whose target is outside `root`, relative to `root`; null if none. */
export async function findEscapingLink(dir: string, root: string): Promise<string | null> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    // Not a directory, or gone: nothing under it to follow.
    return null;
  }
  for (const entry of entries) {
    const abs = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) {
      let target: string | null;
      try {
        target = await resolvePhysical(abs);
      } catch {
        target = null;
      }
      if (target === null || !isWithin(target, root)) return path.relative(root, abs);
    } else if (entry.isDirectory()) {
      const found = await findEscapingLink(abs, root);
      if (found !== null) return found;
    }
  }
  return null;
}
