import type { ArtifactStore } from "../artifacts/store.ts";
import type { Result } from "../domain/result.ts";
import { fail, ok } from "../domain/result.ts";
import type { ForkSource } from "../do/storage/jobs.ts";
import type { VersionRecord } from "../do/storage/versions.ts";

/** What the caller wants the version for: the refusals say why in those words. */
export type VersionUse = "restore" | "branch" | "files";

const USE: Record<VersionUse, string> = {
  restore: "it cannot be restored",
  branch: "no branch can be made from it",
  files: "its files cannot be shown",
};

/**
 * The tree and session a version left, when it can be used: it exists (404), it has not
 * been pruned by retention (410), it succeeded (409 with its failure) and has finished
 * (409). Versions finished before the version table existed are found by their R2 pointer.
 */
export async function versionSource(version: VersionRecord | null, number: number, branch: string, use: VersionUse, store: ArtifactStore, legacy = false): Promise<Result<ForkSource>> {
  if (version === null) return legacy ? legacySource(number, branch, use, store) : fail("not_found", `version ${number} does not exist`);
  if (version.prunedAt !== null) {
    const when = new Date(version.prunedAt).toISOString().slice(0, 10);
    return fail("gone", `version ${number} was pruned on ${when} (older than the retention period and not pinned): its files and session are gone, so ${USE[use]}`);
  }
  if (version.status === "failed") {
    const reason = version.error === null ? "" : ` (${version.error.message.replace(/\.$/, "")})`;
    return fail("conflict", `version ${number} failed${reason}: it left no files or session, so ${USE[use]}; choose a version that succeeded`);
  }
  if (version.status !== "succeeded") return fail("conflict", `version ${number} has not finished yet, so ${USE[use]}; try again when its job has finished`);
  let treeHash = version.treeHash;
  let sessionId = version.sessionId;
  if (treeHash === null || sessionId === null) {
    const pointer = await store.getVersion(number);
    treeHash = pointer?.treeHash ?? null;
    sessionId = sessionId ?? pointer?.sessionId ?? null;
  }
  if (treeHash === null || sessionId === null) return fail("conflict", `version ${number} predates restores: what it left was not recorded, so ${USE[use]}`);
  return ok({ versionNumber: number, branch, treeHash, sessionId });
}

/** A version without a row (its job pruned before the version table existed): only a succeeded one left a pointer. */
async function legacySource(number: number, branch: string, use: VersionUse, store: ArtifactStore): Promise<Result<ForkSource>> {
  const pointer = await store.getVersion(number);
  if (pointer === null || pointer.sessionId === null) return fail("conflict", `version ${number} left no files or session in storage (it failed, was pruned, or predates restores), so ${USE[use]}`);
  return ok({ versionNumber: number, branch, treeHash: pointer.treeHash, sessionId: pointer.sessionId });
}
