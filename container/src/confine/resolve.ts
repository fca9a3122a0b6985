// Where a path really leads: resolved one component at a time as the kernel does, so
// symlinks are followed (dangling ones too: writing through one creates its target) and a
// `..` after a symlink climbs from the link's target, not from the link.
import { lstat, readlink } from "node:fs/promises";
import path from "node:path";

/** Linux gives up after 40 links (ELOOP); so do we. */
const MAX_LINKS = 40;

export class LinkLoopError extends Error {}

/**
 * The physical absolute path `abs` (absolute, any form) names, following every symlink.
 * Components that do not exist are appended as they are: nothing there can redirect yet.
 */
export async function resolvePhysical(abs: string): Promise<string> {
  if (!path.isAbsolute(abs)) throw new Error(`resolvePhysical needs an absolute path, got ${abs}`);
  const pending = abs.split("/").filter((s) => s !== "");
  let real = "/";
  let links = 0;
  while (pending.length > 0) {
    const segment = pending.shift() ?? "";
    if (segment === ".") continue;
    if (segment === "..") {
      // `real` never contains a symlink, so its parent is the physical parent.
      real = path.dirname(real);
      continue;
    }
    const candidate = path.join(real, segment);
    let isLink: boolean;
    try {
      isLink = (await lstat(candidate)).isSymbolicLink();
    } catch (err) {
      if (!isMissing(err)) throw err;
      // Missing from here on (or under a file, which the tool will fail on): no link left to follow.
      return path.join(candidate, ...pending);
    }
    if (!isLink) {
      real = candidate;
      continue;
    }
    if (++links > MAX_LINKS) throw new LinkLoopError(`too many symlinks resolving ${abs}`);
    const target = await readlink(candidate);
    pending.unshift(...target.split("/").filter((s) => s !== ""));
    if (path.isAbsolute(target)) real = "/";
  }
  return real;
}

/** `candidate` is `root` or below it (both physical, absolute). */
export function isWithin(candidate: string, root: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith("/") ? root : `${root}/`);
}

function isMissing(err: unknown): boolean {
  const code = typeof err === "object" && err !== null && "code" in err ? (err as { code: unknown }).code : null;
  return code === "ENOENT" || code === "ENOTDIR";
}
