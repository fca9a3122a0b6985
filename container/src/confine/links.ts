// Symlinks under a search root that lead out of the workspace. Claude Code 2.1.330's Glob
// and Grep do not follow symlinks while they walk (measured), but a search over a tree that
// holds such a link is refused anyway: one engine upgrade that adds `--follow` must not
// open the host's filesystem.
import type { Dirent } from "node:fs";
import { readdir, realpath } from "node:fs/promises";
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
  const found = await Promise.all(
    entries.map(async (entry): Promise<string | null> => {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) return findEscapingLink(abs, root);
      if (!entry.isSymbolicLink()) return null;
      return isWithin(await linkTarget(abs), root) ? null : path.relative(root, abs);
    }),
  );
  return found.find((link) => link !== null) ?? null;
}

/** Where a link leads: the kernel's answer when the target exists, ours when it dangles. */
async function linkTarget(link: string): Promise<string> {
  try {
    return await realpath(link);
  } catch {
    try {
      return await resolvePhysical(link);
    } catch {
      // A loop: it leads nowhere we can vouch for.
      return "/";
    }
  }
}
