import { RestoreError, restoreTree } from "../artifacts/sync.ts";
import { saveTranscript } from "../artifacts/transcripts.ts";
import type { ChainOperation } from "../domain/views.ts";
import type { Fingerprint } from "../runner/protocol.ts";
import { rethrowIfSuspended } from "../do/budget.ts";
import type { JobContext } from "../do/context.ts";
import { emit, progressed } from "../do/context.ts";
import { finishJob, WORKSPACE_UNAVAILABLE } from "../do/job-runner.ts";
import { rememberUpdate } from "../do/project-memory.ts";
import { restoreTranscript, saveVersion, syncTarget, transcriptTarget, WorkspaceUnavailable } from "../do/rehydrate.ts";
import { withRetries } from "../do/retry.ts";
import type { ForkSource, JobRecord } from "../do/storage/jobs.ts";
import { zeroUsage } from "../domain/views.ts";

// A restore, or a branch's first version: a new version whose files are exactly an earlier
// version's (tree hash checked by the runner and here) and whose session is a fork of that
// version's final session, made on the runner without a model call (docs/runner-protocol.md,
// "fork"). It runs in the branch's queue like any update, so it is serialized with them,
// and its steps are idempotent: an invocation that dies is simply run again.

const SESSION_UNAVAILABLE = {
  code: "session_unavailable",
  message: "The earlier version's conversation could not be found in storage, so it was not restored.",
};

export function isForkJob(job: Pick<JobRecord, "kind">): boolean {
  return job.kind === "restore" || job.kind === "branch";
}

function forkStep(ctx: JobContext): ChainOperation {
  return ctx.job.kind === "branch" ? "branch" : "restore";
}

/** The workspace becomes exactly the source version's tree (streamed from R2, hash checked). */
async function restoreFiles(ctx: JobContext, source: ForkSource): Promise<Fingerprint> {
  // From here the workspace is not the chain's tree: a job after a failure resets it.
  ctx.workspace.markDirty();
  try {
    return await withRetries(ctx, async () => {
      const fingerprint = await restoreTree(syncTarget(ctx), source.treeHash);
      progressed(ctx);
      return fingerprint;
    }, (err) => !(err instanceof RestoreError && err.permanent));
  } catch (err) {
    rethrowIfSuspended(err, ctx.budget);
    console.error(`job ${ctx.job.id}: restoring version ${source.versionNumber}'s files failed`, err);
    throw new WorkspaceUnavailable(err instanceof Error ? err.message : String(err));
  }
}

/** The source session on this workspace's runner (rebuilt from R2 if needed), forked; the fork saved to R2. */
async function forkSession(ctx: JobContext, source: ForkSource): Promise<string | null> {
  return withRetries(ctx, async () => {
    if (!(await restoreTranscript(ctx, source.sessionId))) return null;
    const forked = await ctx.runner.forkSession(ctx.workspaceId, source.sessionId);
    await saveTranscript(transcriptTarget(ctx), forked.sessionId, source.sessionId);
    return forked.sessionId;
  });
}

function fail(ctx: JobContext, error: { code: string; message: string }): Promise<boolean> {
  finishJob(ctx, "failed", error);
  return ctx.flush();
}

/** The head moves to the fork, audited as `restored` (or `branched`) on the chain and in Postgres. */
function recordFork(ctx: JobContext, source: ForkSource, sessionId: string, fingerprint: Fingerprint): void {
  const { job } = ctx;
  const step = forkStep(ctx);
  const restored = step === "restore";
  const now = ctx.now();
  ctx.chain.noteDecision();
  ctx.chain.setHead(ctx.chain.get().generation, {
    sessionId, parentSessionId: source.sessionId, versionNumber: job.versionNumber, operation: step, fingerprint,
    fork: restored ? "restored" : "branched",
  }, now);
  ctx.workspace.markClean();
  progressed(ctx);
  job.doneSteps.push(step);
  ctx.jobs.recordStep(job.id, step, sessionId, job.totals);
  ctx.jobs.setDecision(job.id, "resume", reasonOf(ctx, source), source.sessionId);
  const chain = ctx.chain.get();
  ctx.outbox.push({
    op: "update_version",
    id: job.versionId,
    patch: {
      aiSessionId: sessionId, aiSessionCreatedAt: new Date(now).toISOString(), aiSessionLastUsedAt: new Date(now).toISOString(),
      resumeDecision: "resume", resumeReason: reasonOf(ctx, source),
    },
  });
  ctx.outbox.push({ op: "copy_version_docs", id: job.versionId, projectId: ctx.projectId, fromVersion: source.versionNumber });
  ctx.outbox.push({
    op: "insert_metric",
    key: crypto.randomUUID(),
    row: {
      projectId: ctx.projectId, versionId: job.versionId, operation: step, sessionIdIn: source.sessionId, sessionIdOut: sessionId,
      ...zeroUsage(), numTurns: 0, toolCalls: 0, filesRead: 0, refusedToolCalls: 0, isResumable: chain.resumable, resumeFailureCount: chain.failureCount,
    },
  });
  if (restored) ctx.memory.forgetAfter(source.versionNumber);
  rememberUpdate(ctx, { fingerprint });
  emit(ctx, "session_changed", { step, from: source.sessionId, to: sessionId, relation: restored ? "restored" : "branched" });
  emit(ctx, "step_finished", { step, sessionId, usage: zeroUsage(), numTurns: 0, toolCalls: 0, filesRead: 0 });
}

function reasonOf(ctx: JobContext, source: ForkSource): string {
  const where = source.branch === ctx.branch ? "" : ` of branch ${source.branch}`;
  return ctx.job.kind === "branch"
    ? `branched: version ${source.versionNumber}${where}'s files and a fork of its session`
    : `restored: version ${source.versionNumber}'s files and a fork of its session`;
}

export async function runForkJob(ctx: JobContext): Promise<void> {
  const { job } = ctx;
  if (job.status !== "running") {
    ctx.jobs.markRunning(job.id, ctx.now());
    ctx.outbox.push({ op: "update_version", id: job.versionId, patch: { status: "running" } });
    emit(ctx, "running", { versionNumber: job.versionNumber });
  }
  const source = job.source;
  if (source === null) {
    await fail(ctx, { code: "internal", message: "The restore has no source version." });
    return;
  }
  const step = forkStep(ctx);
  if (!job.doneSteps.includes(step)) {
    ctx.jobs.setStep(job.id, step);
    emit(ctx, "step_started", { step, fromVersion: source.versionNumber, fromBranch: source.branch, resumeSessionId: source.sessionId });
    let fingerprint: Fingerprint;
    try {
      fingerprint = await restoreFiles(ctx, source);
    } catch (err) {
      if (!(err instanceof WorkspaceUnavailable)) throw err;
      await fail(ctx, WORKSPACE_UNAVAILABLE);
      return;
    }
    if (fingerprint.treeHash !== source.treeHash) throw new Error("the restored tree is not the source version's");
    emit(ctx, "workspace_restored", { what: "workspace", treeHash: source.treeHash, fileCount: fingerprint.fileCount, fromVersion: source.versionNumber });
    let sessionId: string | null;
    try {
      sessionId = await forkSession(ctx, source);
    } catch (err) {
      rethrowIfSuspended(err, ctx.budget);
      console.error(`job ${job.id}: forking version ${source.versionNumber}'s session failed`, err);
      sessionId = null;
    }
    if (sessionId === null) {
      await fail(ctx, SESSION_UNAVAILABLE);
      return;
    }
    recordFork(ctx, source, sessionId, fingerprint);
    await ctx.flush();
  }
  try {
    await saveVersion(ctx);
  } catch (err) {
    rethrowIfSuspended(err, ctx.budget);
    console.warn(`job ${job.id}: could not save the version's pointer to R2`, err);
  }
  finishJob(ctx, "succeeded", null);
  await ctx.flush();
}
