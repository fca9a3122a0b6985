import type { Operation } from "../runner/protocol.ts";
import { rethrowIfSuspended } from "./budget.ts";
import type { JobContext } from "./context.ts";
import { audit, emit, warn } from "./context.ts";
import { compactionDue } from "./compaction.ts";
import { decide, structuralDecision } from "./decision.ts";
import type { Decision } from "./decision.ts";
import { metadataContext, rememberDocumentation, rememberFailure, rememberUpdate } from "./project-memory.ts";
import { ensureWorkspace, saveVersion, WorkspaceUnavailable } from "./rehydrate.ts";
import type { RunExtras } from "./call.ts";
import { runStep } from "./step.ts";
import { recordVersion } from "./version-record.ts";
import type { StepOutcome } from "./step.ts";

// Public texts for failures: runner details stay in the logs and the audit trail.
const PUBLIC_FAILURE: Record<string, string> = {
  overloaded: "The AI runner stayed overloaded or unreachable; retries were exhausted.",
  run_lost: "The AI runner kept losing this update's work (it restarted); retries were exhausted.",
  internal: "The AI runner failed while working on this update.",
  bad_request: "The AI runner rejected this update.",
  artifacts_unavailable: "The update's files could not be saved to storage, so it was not kept.",
};

export const WORKSPACE_UNAVAILABLE = {
  code: "workspace_unavailable",
  message: "The project's files could not be restored exactly, so the update was stopped rather than run on the wrong files.",
};

async function decideResume(ctx: JobContext, projectOverride: boolean | null): Promise<Decision> {
  ctx.chain.noteDecision(); // resets requested from now on are for the next job
  const chain = ctx.chain.get();
  const decision = decide({ config: ctx.config, projectOverride, chain, now: ctx.now() });
  if (!decision.resume) return decision;
  try {
    const current = await ctx.runner.workspace(ctx.workspaceId);
    return structuralDecision(chain.fingerprint, current, ctx.config.structuralChangeThreshold) ?? decision;
  } catch (err) {
    rethrowIfSuspended(err, ctx.budget);
    warn(ctx, "could not read the workspace fingerprint; the structural check was skipped", err);
    return decision;
  }
}

/** Ends a job: its row, the version in Postgres (via the outbox) and the terminal event. */
export function finishJob(ctx: JobContext, status: "succeeded" | "failed", error: { code: string; message: string } | null): void {
  const now = ctx.now();
  const totals = ctx.job.totals;
  ctx.jobs.finish(ctx.job.id, status, now, error);
  recordVersion(ctx, status, error);
  ctx.outbox.push({
    op: "update_version",
    id: ctx.job.versionId,
    patch: {
      status,
      completedAt: new Date(now).toISOString(),
      errorCode: error?.code ?? null,
      errorMessage: error?.message ?? null,
      ...totals,
    },
  });
  emit(ctx, status, { totals, sessionId: ctx.chain.get().headSessionId, error });
}

/**
 * The build or update step. If an earlier invocation already started its run, that run is
 * followed with the session it was started with; otherwise the workspace is made the
 * chain's tree (restored when the runner lost it) and the resume decision is taken on it.
 */
async function mainStep(ctx: JobContext, operation: Operation, projectOverride: boolean | null): Promise<StepOutcome> {
  const { job } = ctx;
  const inFlight = ctx.runs.get(job.id);
  if (inFlight?.step === operation) return runStep(ctx, operation, inFlight.sessionIn, job.prompt, true);
  await ensureWorkspace(ctx);
  const decision = await decideResume(ctx, projectOverride);
  const head = ctx.chain.get().headSessionId;
  const reason = decision.resume ? decision.reason : `${decision.reason}: ${decision.detail}`;
  ctx.jobs.setDecision(job.id, decision.resume ? "resume" : "fresh", reason, decision.resume ? decision.sessionId : null);
  ctx.outbox.push({ op: "update_version", id: job.versionId, patch: { resumeDecision: decision.resume ? "resume" : "fresh", resumeReason: reason } });
  if (!decision.resume) {
    audit(ctx, { requestedSessionId: head, returnedSessionId: null, outcome: decision.reason === "stale" ? "stale" : "skipped", reason, errorText: null });
  }
  emit(ctx, "decision", { resume: decision.resume, reason, sessionId: decision.resume ? decision.sessionId : null });
  return runStep(ctx, operation, decision.resume ? decision.sessionId : null, job.prompt, true);
}

/** Metadata and compaction are extras: when the workspace cannot be had, they are skipped. */
async function optionalStep(ctx: JobContext, operation: Operation, head: string, prompt: string, extras: RunExtras = {}): Promise<StepOutcome> {
  try {
    return await runStep(ctx, operation, head, prompt, false, extras);
  } catch (err) {
    if (!(err instanceof WorkspaceUnavailable)) throw err;
    return { ok: false, code: WORKSPACE_UNAVAILABLE.code, message: err.message };
  }
}

// One job: the build or update (resuming the head when allowed), then metadata and
// compaction resuming what it left. Steps already done (in an earlier invocation) are
// skipped, and a step whose run is under way is followed, not started again.
export async function runJob(ctx: JobContext, projectOverride: boolean | null): Promise<void> {
  const { job } = ctx;
  if (job.status !== "running") {
    ctx.jobs.markRunning(job.id, ctx.now());
    ctx.outbox.push({ op: "update_version", id: job.versionId, patch: { status: "running" } });
    emit(ctx, "running", { versionNumber: job.versionNumber });
  }

  const mainOp = job.kind === "create" ? "build" : "update";
  if (!job.doneSteps.includes(mainOp)) {
    let main: StepOutcome;
    try {
      main = await mainStep(ctx, mainOp, projectOverride);
    } catch (err) {
      if (!(err instanceof WorkspaceUnavailable)) throw err;
      rememberFailure(ctx);
      finishJob(ctx, "failed", WORKSPACE_UNAVAILABLE);
      await ctx.flush();
      return;
    }
    if (!main.ok) {
      console.error(`job ${job.id} failed at ${mainOp}: ${main.code}: ${main.message}`);
      rememberFailure(ctx);
      finishJob(ctx, "failed", { code: main.code === "overloaded" ? "runner_unavailable" : `runner_${main.code}`, message: PUBLIC_FAILURE[main.code] ?? "The update could not be completed." });
      await ctx.flush();
      // Tidy up now; the next run would reset the workspace anyway (it is marked dirty).
      await ensureWorkspace(ctx).catch(() => undefined);
      return;
    }
    rememberUpdate(ctx, main.result);
  }

  if (!job.doneSteps.includes("metadata")) {
    const head = ctx.chain.get().headSessionId;
    if (head !== null) {
      const meta = await optionalStep(ctx, "metadata", head, "", { metadataContext: metadataContext(ctx) });
      if (meta.ok) rememberDocumentation(ctx, meta.result.metadata);
      else warn(ctx, "metadata generation failed; the version has no recommendations or documentation", `${meta.code}: ${meta.message}`);
    }
  }

  if (!job.doneSteps.includes("compact") && compactionDue(ctx.config, job.contextTokens)) {
    const { headSessionId: head, resumable } = ctx.chain.get();
    if (!resumable) warn(ctx, "compaction skipped: the session was marked non-resumable", "after the metadata step");
    else if (head !== null) {
      const compact = await optionalStep(ctx, "compact", head, "/compact");
      if (!compact.ok) warn(ctx, "compaction failed; the session is unchanged", `${compact.code}: ${compact.message}`);
    }
  }

  try {
    await saveVersion(ctx);
  } catch (err) {
    rethrowIfSuspended(err, ctx.budget);
    warn(ctx, "could not save the version's pointer to R2", err);
  }
  finishJob(ctx, "succeeded", null);
  await ctx.flush();
}
