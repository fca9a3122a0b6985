import type { ResultEvent } from "../runner/protocol.ts";
import type { JobContext } from "./context.ts";
import { audit, emit, warn } from "./context.ts";
import { shouldCompact } from "./compaction.ts";
import { decide, structuralDecision } from "./decision.ts";
import type { Decision } from "./decision.ts";
import { metadataContext, rememberDocumentation, rememberFailure, rememberUpdate } from "./project-memory.ts";
import { resetWorkspace, restoreWorkspace, saveArtifacts } from "./rehydrate.ts";
import { compactsAtJobEnd, effectiveMode, lastStepTtl, planAbandoned, planColumns, planSession, settlePolicy } from "./session-policy.ts";
import { runStep } from "./step.ts";
import type { SessionPolicy } from "../policy/types.ts";

// Public texts for failures: runner details stay in the logs and the audit trail.
const PUBLIC_FAILURE: Record<string, string> = {
  overloaded: "The AI runner stayed overloaded or unreachable; retries were exhausted.",
  internal: "The AI runner failed while working on this update.",
  bad_request: "The AI runner rejected this update.",
};

async function decideResume(ctx: JobContext, projectOverride: boolean | null): Promise<Decision> {
  ctx.chain.noteDecision(); // resets requested from now on are for the next job
  const chain = ctx.chain.get();
  const decision = decide({ config: ctx.config, projectOverride, chain, now: ctx.now() });
  if (!decision.resume) return decision;
  try {
    const current = await ctx.runner.workspace(ctx.projectId);
    return structuralDecision(chain.fingerprint, current, ctx.config.structuralChangeThreshold) ?? decision;
  } catch (err) {
    warn(ctx, "could not read the workspace fingerprint; the structural check was skipped", err);
    return decision;
  }
}

/** Ends a job: its row, the version in Postgres (via the outbox) and the terminal event. */
export function finishJob(ctx: JobContext, status: "succeeded" | "failed", error: { code: string; message: string } | null): void {
  const now = ctx.now();
  const totals = ctx.job.totals;
  ctx.jobs.finish(ctx.job.id, status, now, error);
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

// One job: the build or update (started as the resume policy chooses), then metadata and
// compaction resuming what it left. Steps already done (before an eviction) are skipped.
export async function runJob(ctx: JobContext, project: ProjectSettings): Promise<void> {
  const { job } = ctx;
  const mode = effectiveMode(ctx, project.sessionPolicy);
  ctx.jobs.markRunning(job.id, ctx.now());
  ctx.outbox.push({ op: "update_version", id: job.versionId, patch: { status: "running" } });
  emit(ctx, "running", { versionNumber: job.versionNumber, resumedAfterInterruption: job.status === "running" });
  try {
    await restoreWorkspace(ctx);
  } catch (err) {
    warn(ctx, "could not restore the workspace from its snapshot", err);
  }

  const mainOp = job.kind === "create" ? "build" : "update";
  let last: ResultEvent | null = null;
  let mainResult: ResultEvent | null = null;
  if (!job.doneSteps.includes(mainOp)) {
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
    const main = await runStep(ctx, mainOp, from, job.prompt, true, { handoff: plan.handoff });
    if (!main.ok) {
      console.error(`job ${job.id} failed at ${mainOp}: ${main.code}: ${main.message}`);
      rememberFailure(ctx);
      try {
        await resetWorkspace(ctx);
      } catch (err) {
        warn(ctx, "could not restore the workspace after the failure", err);
      }
      finishJob(ctx, "failed", { code: main.code === "overloaded" ? "runner_unavailable" : `runner_${main.code}`, message: PUBLIC_FAILURE[main.code] ?? "The update could not be completed." });
      await ctx.flush();
      return;
    }
    last = main.result;
    mainResult = main.result;
    rememberUpdate(ctx, main.result);
  }

  if (!job.doneSteps.includes("metadata")) {
    const head = ctx.chain.get().headSessionId;
    if (head !== null) {
      const cacheTtl = lastStepTtl(ctx, mode, mainResult);
      const meta = await runStep(ctx, "metadata", head, "", false, { metadataContext: metadataContext(ctx), cacheTtl });
      if (meta.ok) {
        last = meta.result;
        rememberDocumentation(ctx, meta.result.metadata);
      } else warn(ctx, "metadata generation failed; the version has no recommendations or documentation", `${meta.code}: ${meta.message}`);
    }
  }

  if (!job.doneSteps.includes("compact") && compactsAtJobEnd(ctx, mode) && shouldCompact(ctx.config, last)) {
    const { headSessionId: head, resumable } = ctx.chain.get();
    if (!resumable) warn(ctx, "compaction skipped: the session was marked non-resumable", "after the metadata step");
    else if (head !== null) {
      const compact = await runStep(ctx, "compact", head, "/compact", false);
      if (!compact.ok) warn(ctx, "compaction failed; the session is unchanged", `${compact.code}: ${compact.message}`);
    }
  }

  try {
    await saveArtifacts(ctx);
  } catch (err) {
    warn(ctx, "could not save the transcript and workspace to R2", err);
  }
  settlePolicy(ctx);
  finishJob(ctx, "succeeded", null);
  await ctx.flush();
}
