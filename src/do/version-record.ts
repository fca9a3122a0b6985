import type { JobContext } from "./context.ts";
import { expectedTree } from "./rehydrate.ts";

/**
 * A finished job's version in this branch's version table: a succeeded one keeps the tree
 * and head session it left (what restores, branches and the file routes read).
 */
export function recordVersion(ctx: JobContext, status: "succeeded" | "failed", error: { code: string; message: string } | null): void {
  const succeeded = status === "succeeded";
  ctx.versions.finish(ctx.job.versionNumber, {
    status,
    treeHash: succeeded ? expectedTree(ctx) : null,
    sessionId: succeeded ? ctx.chain.get().headSessionId : null,
    error,
  }, ctx.now());
}
