import type { JobContext } from "./context.ts";
import { emit } from "./context.ts";

// The runner's disk is a cache (a container that slept comes back empty). Before work
// starts, put back what R2 holds: the latest workspace snapshot when the runner's
// workspace is empty, and the transcript of the session about to be resumed.
export async function restoreWorkspace(ctx: JobContext): Promise<void> {
  const expected = ctx.chain.get().fingerprint;
  if (expected === null || expected.fileCount === 0) return;
  const current = await ctx.runner.workspace(ctx.projectId);
  if (current.fileCount > 0) return;
  const snapshot = await ctx.artifacts.getLatestSnapshot();
  if (snapshot === null) return;
  const restored = await ctx.runner.importSnapshot(ctx.projectId, snapshot);
  emit(ctx, "rehydrated", { what: "workspace", fileCount: restored.fileCount });
}

/** True when the runner has (or now has again) the session's transcript. */
export async function restoreTranscript(ctx: JobContext, sessionId: string): Promise<boolean> {
  if (await ctx.runner.hasSession(ctx.projectId, sessionId)) return true;
  const transcript = await ctx.artifacts.getTranscript(sessionId);
  if (transcript === null) return false;
  await ctx.runner.importTranscript(ctx.projectId, sessionId, transcript);
  emit(ctx, "rehydrated", { what: "transcript", sessionId });
  return true;
}

/** After a job: R2 gets the head transcript and the workspace the version produced. */
export async function saveArtifacts(ctx: JobContext): Promise<void> {
  const head = ctx.chain.get().headSessionId;
  if (head !== null) {
    const transcript = await ctx.runner.exportTranscript(ctx.projectId, head);
    if (transcript !== null) await ctx.artifacts.putTranscript(head, transcript);
  }
  const snapshot = await ctx.runner.exportSnapshot(ctx.projectId);
  await ctx.artifacts.putSnapshot(ctx.job.versionNumber, snapshot);
}

/**
 * Puts the workspace back to what the last good version left (the R2 snapshot; empty
 * before the first version) when a failed run may have half-edited it, so a retry or the
 * next job never builds on changes that no session knows about.
 */
export async function resetWorkspace(ctx: JobContext): Promise<void> {
  const expected = ctx.chain.get().fingerprint;
  const current = await ctx.runner.workspace(ctx.projectId);
  if (expected === null ? current.fileCount === 0 : current.treeHash === expected.treeHash) return;
  const snapshot = (await ctx.artifacts.getLatestSnapshot()) ?? (expected === null ? { files: [] } : null);
  if (snapshot === null) return;
  const restored = await ctx.runner.importSnapshot(ctx.projectId, snapshot);
  emit(ctx, "workspace_restored", { fileCount: restored.fileCount });
}
