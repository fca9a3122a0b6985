import { underSaveLease } from "../artifacts/save-lease.ts";
import { EMPTY_TREE_HASH, RestoreError, restoreTree, saveTree } from "../artifacts/sync.ts";
import type { SyncTarget } from "../artifacts/sync.ts";
import { restoreTranscript as putBackTranscript, saveTranscript } from "../artifacts/transcripts.ts";
import type { TranscriptTarget } from "../artifacts/transcripts.ts";
import type { ResultEvent } from "../runner/protocol.ts";
import { rethrowIfSuspended } from "./budget.ts";
import type { JobContext } from "./context.ts";
import { emit, progressed } from "./context.ts";
import { backoff, withRetries } from "./retry.ts";

// The runner's disk is a cache (a container that slept comes back empty); the chain and R2
// are the truth. R2 gets each step's tree and transcript before the chain points at them,
// and a run starts only on exactly the chain's tree, or not at all.

/** The workspace could not be made exactly the chain's tree: nothing may run on it. */
export class WorkspaceUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorkspaceUnavailable";
  }
}

/** Saving a step's tree or transcript to R2 failed: the chain must not point at them. */
export class ArtifactsUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArtifactsUnavailable";
  }
}

export function syncTarget(ctx: JobContext): SyncTarget {
  return { runner: ctx.runner, store: ctx.artifacts, workspaceId: ctx.workspaceId, onBlob: () => progressed(ctx) };
}

export function transcriptTarget(ctx: JobContext): TranscriptTarget {
  return { runner: ctx.runner, store: ctx.artifacts, workspaceId: ctx.workspaceId, onTransfer: () => progressed(ctx) };
}

/** The tree the next run must start from: the chain's last good fingerprint (empty before the first version). */
export function expectedTree(ctx: JobContext): string {
  return ctx.chain.get().fingerprint?.treeHash ?? EMPTY_TREE_HASH;
}

/**
 * Makes the runner's workspace the chain's tree before a run. A workspace a run of ours may
 * have touched (dirty) is reset to exactly that tree; an empty one is restored (the runner
 * lost its disk). A different tree we did not make is an outside change: it is kept, and
 * the structural-change rule judges it. Transient failures are retried within the retry
 * budget; when the tree cannot be had exactly, WorkspaceUnavailable stops the job.
 */
export async function ensureWorkspace(ctx: JobContext): Promise<void> {
  const expected = expectedTree(ctx);
  try {
    await withRetries(ctx, async () => {
      const current = await ctx.runner.workspace(ctx.workspaceId);
      const dirty = ctx.workspace.dirty();
      if (current.treeHash === expected) {
        if (dirty) ctx.workspace.markClean();
        return;
      }
      if (!dirty && current.fileCount > 0) return;
      // From here on the workspace is ours to fix: a failed attempt must not pass for an outside change.
      ctx.workspace.markDirty();
      const restored = await restoreTree(syncTarget(ctx), expected);
      ctx.workspace.markClean();
      progressed(ctx);
      // An empty workspace means the runner lost its disk; anything else was a reset.
      emit(ctx, current.fileCount === 0 ? "rehydrated" : "workspace_restored", { what: "workspace", treeHash: expected, fileCount: restored.fileCount });
    }, (err) => !(err instanceof RestoreError && err.permanent));
  } catch (err) {
    rethrowIfSuspended(err, ctx.budget);
    console.error(`job ${ctx.job.id}: workspace restore failed`, err);
    throw new WorkspaceUnavailable(err instanceof Error ? err.message : String(err));
  }
}

/** True when the runner has (or now has again) the session's transcript (rebuilt from its deltas). */
export async function restoreTranscript(ctx: JobContext, sessionId: string): Promise<boolean> {
  if (await ctx.runner.hasSession(ctx.workspaceId, sessionId)) return true;
  if (!(await putBackTranscript(transcriptTarget(ctx), sessionId))) return false;
  emit(ctx, "rehydrated", { what: "transcript", sessionId });
  return true;
}

/**
 * Before a step's result becomes the head: R2 gets the tree it left (only blobs R2 lacks)
 * and its session's transcript (a delta from the session it resumed, when it can be),
 * streamed from the runner. So the chain never points at a tree or session R2 could not
 * give back.
 */
export async function saveStep(ctx: JobContext, result: ResultEvent, sessionIn: string | null): Promise<void> {
  const base = ctx.chain.get().fingerprint?.treeHash ?? null;
  try {
    // Under a save lease: the project's garbage collection cannot delete what this save finds stored.
    await withRetries(ctx, () => underSaveLease(ctx.leases, (ms) => backoff(ctx, ms), async (verify) => {
      const saved = await saveTree(syncTarget(ctx), result.fingerprint.treeHash, base, verify);
      const transcript = await saveTranscript(transcriptTarget(ctx), result.sessionId, sessionIn);
      if (saved.uploaded > 0) emit(ctx, "artifacts_saved", { treeHash: result.fingerprint.treeHash, blobs: saved.uploaded, bytes: saved.bytes, transcript: transcript.format, transcriptBytes: transcript.stored });
    }));
  } catch (err) {
    rethrowIfSuspended(err, ctx.budget);
    console.error(`job ${ctx.job.id}: saving the step's artifacts failed`, err);
    throw new ArtifactsUnavailable(err instanceof Error ? err.message : String(err));
  }
}

/** A finished version's pointer: the tree and head session it left (#11 restores by it). */
export async function saveVersion(ctx: JobContext): Promise<void> {
  const chain = ctx.chain.get();
  await ctx.artifacts.putVersion({ versionNumber: ctx.job.versionNumber, treeHash: expectedTree(ctx), sessionId: chain.headSessionId });
}
