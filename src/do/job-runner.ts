import type { Operation, ResultEvent } from "../runner/protocol.ts";
import { rethrowIfSuspended } from "./budget.ts";
import type { JobContext } from "./context.ts";
import { audit, emit, warn } from "./context.ts";
import { compactionDue } from "./compaction.ts";
import { decide, structuralDecision } from "./decision.ts";
import type { Decision } from "./decision.ts";
import { metadataStep } from "./metadata-step.ts";
import { rememberFailure, rememberUpdate } from "./project-memory.ts";
import { ensureWorkspace, saveVersion, WorkspaceUnavailable } from "./rehydrate.ts";
import type { RunExtras } from "./call.ts";
import { compactsAtJobEnd, effectiveMode, lastStepTtl, planAbandoned, planColumns, planSession, settlePolicy } from "./session-policy.ts";
import { optionalStep, runStep, WORKSPACE_UNAVAILABLE } from "./step.ts";
import { recordVersion } from "./version-record.ts";
import type { StepOutcome } from "./step.ts";
import type { PolicyPlan, SessionPolicy } from "../policy/types.ts";

// Public texts for failures: runner details stay in the logs and the audit trail.
const PUBLIC_FAILURE: Record<string, string> = {
  overloaded: "The AI runner stayed overloaded or unreachable; retries were exhausted.",
  run_lost: "The AI runner kept losing this update's work (it restarted); retries were exhausted.",
  internal: "The AI runner failed while working on this update.",
  bad_request: "The AI runner rejected this update.",
  artifacts_unavailable: "The update's files could not be saved to storage, so it was not kept.",
};

export { WORKSPACE_UNAVAILABLE } from "./step.ts";

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

/** A project's own settings the job follows: the resume override and its session policy. */
export interface ProjectSettings {
  resumeOverride: boolean | null;
  sessionPolicy: SessionPolicy | null;
}

/** compact_resume: compacts the head first; the update resumes the compacted session (or, if that failed, the head as it is). */
async function compactFirst(ctx: JobContext, head: string): Promise<string> {
  const compact = await runStep(ctx, "compact", head, "/compact", false);
  if (compact.ok) return compact.result.sessionId;
  warn(ctx, "compaction before the update failed; the update resumes the session as it is", `${compact.code}: ${compact.message}`);
  planAbandoned(ctx);
  return head;
}

/**
 * An earlier invocation decided (plan, decision, audit and gap sample are stored together)
 * and was interrupted before its run was stored: the decision stands, as the job row has it
 * (a fallback to a new session included). Deciding again would sample the gap twice.
 */
async function followDecision(ctx: JobContext, operation: Operation, planned: PolicyPlan): Promise<StepOutcome> {
  await ensureWorkspace(ctx);
  const sessionIn = ctx.jobs.view(ctx.job.id, ctx.projectId, ctx.branch)?.sessionIdIn ?? null;
  const from = planned.option === "compact_resume" && sessionIn !== null ? await compactFirst(ctx, sessionIn) : sessionIn;
  return runStep(ctx, operation, from, ctx.job.prompt, true, { handoff: planned.handoff });
}

/**
 * The build or update step. If an earlier invocation already started its run (or the
 * compaction the plan put first), it is followed as planned; otherwise the workspace is made
 * the chain's tree (restored when the runner lost it), the seed rules and the resume policy
 * decide on it, and the plan is stored before anything acts on it.
 */
async function mainStep(ctx: JobContext, operation: Operation, project: ProjectSettings, mode: SessionPolicy): Promise<StepOutcome> {
  const { job } = ctx;
  const inFlight = ctx.runs.get(job.id);
  const planned = ctx.policy.job(job.id)?.plan ?? null;
  const extras: RunExtras = { handoff: planned?.handoff ?? null };
  if (inFlight?.step === operation) return runStep(ctx, operation, inFlight.sessionIn, job.prompt, true, extras);
  if (planned?.option === "compact_resume" && inFlight?.step === "compact" && inFlight.sessionIn !== null) {
    return runStep(ctx, operation, await compactFirst(ctx, inFlight.sessionIn), job.prompt, true, extras);
  }
  if (planned?.option === "compact_resume" && job.doneSteps.includes("compact")) {
    return runStep(ctx, operation, ctx.chain.get().headSessionId, job.prompt, true, extras);
  }
  if (planned !== null) return followDecision(ctx, operation, planned);
  await ensureWorkspace(ctx);
  const seed = await decideResume(ctx, project.resumeOverride);
  const plan = planSession(ctx, seed, mode);
  const head = ctx.chain.get().headSessionId;
  const { reason, sessionId } = plan;
  const resume = sessionId !== null;
  ctx.jobs.setDecision(job.id, resume ? "resume" : "fresh", reason, sessionId);
  ctx.outbox.push({ op: "update_version", id: job.versionId, patch: { resumeDecision: resume ? "resume" : "fresh", resumeReason: reason, ...planColumns(ctx, plan) } });
  if (!resume) {
    audit(ctx, { requestedSessionId: head, returnedSessionId: null, outcome: !seed.resume && seed.reason === "stale" ? "stale" : "skipped", reason, errorText: null });
  }
  emit(ctx, "decision", { resume, reason, sessionId, option: plan.option, predictions: plan.predictions });
  const from = plan.option === "compact_resume" && sessionId !== null ? await compactFirst(ctx, sessionId) : sessionId;
  return runStep(ctx, operation, from, job.prompt, true, { handoff: plan.handoff });
}

// One job: the build or update (started as the resume policy chooses), then metadata and
// compaction resuming what it left. Steps already done (in an earlier invocation) are
// skipped, and a step whose run is under way is followed, not started again.
export async function runJob(ctx: JobContext, project: ProjectSettings): Promise<void> {
  const { job } = ctx;
  const mode = effectiveMode(ctx, project.sessionPolicy);
  if (job.status !== "running") {
    ctx.jobs.markRunning(job.id, ctx.now());
    ctx.outbox.push({ op: "update_version", id: job.versionId, patch: { status: "running" } });
    emit(ctx, "running", { versionNumber: job.versionNumber });
  }

  const mainOp = job.kind === "create" ? "build" : "update";
  let mainResult: ResultEvent | null = null;
  if (!job.doneSteps.includes(mainOp)) {
    let main: StepOutcome;
    try {
      main = await mainStep(ctx, mainOp, project, mode);
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
    mainResult = main.result;
  }

  if (!job.doneSteps.includes("metadata")) {
    const head = ctx.chain.get().headSessionId;
    if (head !== null) {
      const cacheTtl = lastStepTtl(ctx, mode, project.resumeOverride, mainResult);
      await metadataStep(ctx, head, cacheTtl);
    }
  }

  if (!job.doneSteps.includes("compact") && compactsAtJobEnd(ctx, mode) && compactionDue(ctx.config, job.contextTokens)) {
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
  settlePolicy(ctx);
  finishJob(ctx, "succeeded", null);
  await ctx.flush();
}
