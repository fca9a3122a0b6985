// Whether a results file measured the code in this checkout: `npm run bench:readme` refuses to
// publish figures from another commit of the code they describe (issue #15), unless told
// --stale-ok. Only the measured code counts; the results, plots and documents themselves do not.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchResults } from "./types.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The code the benchmark measures: the benchmark itself, the policy, the simulator, the runner, the Durable Object. */
export const MEASURED_PATHS = ["bench", "src/policy", "scripts/simulator", "container/src", "src/do", ":(exclude)bench/results.json", ":(exclude)bench/*.svg"];

/** Why the results do not describe this checkout's code; null when they do. */
export function staleReason(commit: BenchResults["commit"] | undefined): string | null {
  if (commit == null) return "the results record no commit";
  if (commit.dirty) return `the run measured uncommitted changes on top of ${commit.sha.slice(0, 12)}`;
  try {
    const changed = execFileSync("git", ["diff", "--name-only", commit.sha, "HEAD", "--", ...MEASURED_PATHS], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    return changed === "" ? null : `the measured code changed since ${commit.sha.slice(0, 12)}: ${changed.split("\n").slice(0, 5).join(", ")}`;
  } catch {
    return `commit ${commit.sha.slice(0, 12)} is not in this repository`;
  }
}
