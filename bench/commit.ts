// The code a run measured: the commit and whether the tree had uncommitted changes, so a
// results file can be traced to (and refused for) code other than what it claims.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const git = (...args: string[]): string => execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();

/** null outside a git checkout (a source archive). */
export function currentCommit(): { sha: string; dirty: boolean } | null {
  try {
    return { sha: git("rev-parse", "HEAD"), dirty: git("status", "--porcelain", "--untracked-files=no") !== "" };
  } catch {
    return null;
  }
}
