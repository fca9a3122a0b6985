import type { Operation, ResultEvent } from "../runner/protocol.ts";
import { callRunner } from "./call.ts";
import type { JobContext } from "./context.ts";
import { audit, emit, warn } from "./context.ts";
import { rethrowIfSuspended } from "./budget.ts";
import { recordStep } from "./record.ts";
import { ArtifactsUnavailable, restoreTranscript, saveStep } from "./rehydrate.ts";

export type StepOutcome =
  | { ok: true; result: ResultEvent }
  | { ok: false; code: string; message: string };

type Verdict = { ok: true } | { ok: false; reason: string };

// A session is resumed only if it is in this project's own chain AND Postgres agrees that
// one of this project's versions produced it; then its transcript is put back if needed.
async function prepareResume(ctx: JobContext, sessionId: string): Promise<Verdict> {
  if (!ctx.chain.owns(sessionId)) {
    audit(ctx, { requestedSessionId: sessionId, returnedSessionId: null, outcome: "security_violation", reason: "session id is not part of this project's chain", errorText: null });
    return { ok: false, reason: "security_violation" };
  }
  await ctx.flush();
  const owned = await ctx.sessionInPostgres(sessionId);
  if (owned !== true) {
    const violation = owned === false;
    audit(ctx, {
      requestedSessionId: sessionId,
      returnedSessionId: null,
      outcome: violation ? "security_violation" : "error",
      reason: violation ? "Postgres has no version of this project with this session" : "could not verify the session's project in Postgres",
      errorText: null,
    });
    return { ok: false, reason: violation ? "security_violation" : "ownership_unverified" };
  }
  try {
    await restoreTranscript(ctx, sessionId);
  } catch (err) {
    rethrowIfSuspended(err, ctx.budget);
    // The resume is still tried: the runner may have it after all, or says not_found.
    warn(ctx, "could not rehydrate the transcript", err);
  }
  return { ok: true };
}

function fellBack(ctx: JobContext, reason: string): void {
  ctx.jobs.setDecision(ctx.job.id, "fresh", `fallback:${reason}`, null);
  ctx.outbox.push({ op: "update_version", id: ctx.job.versionId, patch: { resumeDecision: "fresh", resumeReason: `fallback:${reason}` } });
  emit(ctx, "fallback", { reason });
}

/**
 * Runs one operation. A resume that cannot work falls back to a new session when
 * `allowFresh` (the build/update step); metadata and compaction only make sense resumed.
 */
export async function runStep(ctx: JobContext, operation: Operation, resumeFrom: string | null, prompt: string, allowFresh: boolean): Promise<StepOutcome> {
  let sessionIn = resumeFrom;
  let hardFailures = 0;
  for (;;) {
    if (sessionIn !== null) {
      const verdict = await prepareResume(ctx, sessionIn);
      if (!verdict.ok) {
        if (!allowFresh) return { ok: false, code: verdict.reason, message: "the session could not be resumed" };
        fellBack(ctx, verdict.reason);
        sessionIn = null;
      }
    }
    ctx.jobs.setStep(ctx.job.id, operation);
    // A step whose run an earlier invocation started is being continued, not started.
    const inFlight = ctx.runs.get(ctx.job.id);
    if (inFlight?.step !== operation || inFlight.sessionIn !== sessionIn) emit(ctx, "step_started", { step: operation, resumeSessionId: sessionIn });
    const generation = ctx.chain.get().generation;
    const outcome = await callRunner(ctx, operation, sessionIn, prompt);
    if (outcome.ok) {
      try {
        await saveStep(ctx, outcome.result);
      } catch (err) {
        if (!(err instanceof ArtifactsUnavailable)) throw err;
        // The result cannot become the head without its tree and transcript in R2.
        ctx.runs.clear(ctx.job.id);
        return { ok: false, code: "artifacts_unavailable", message: err.message };
      }
      await recordStep(ctx, operation, sessionIn, outcome.result, generation);
      return { ok: true, result: outcome.result };
    }
    const error = outcome.error;
    if (sessionIn === null || error.retryable || error.code === "overloaded") {
      return { ok: false, code: error.code, message: error.message };
    }
    const base = { requestedSessionId: sessionIn, returnedSessionId: null, errorText: error.message.slice(0, 2000) };
    if (error.code === "compact_failed") {
      audit(ctx, { ...base, outcome: "error", reason: "compaction failed; the session is unchanged" });
      return { ok: false, code: error.code, message: error.message };
    }
    let corrupted = error.code === "session_corrupted";
    if (error.code === "session_not_found") {
      ctx.chain.recordFailure();
      audit(ctx, { ...base, outcome: "not_found", reason: `${operation}: the runner has no transcript for this session` });
    } else if (!corrupted) {
      // A non-transient failure of a resume: once may be bad luck, twice means the session is bad.
      hardFailures += 1;
      ctx.chain.recordFailure();
      audit(ctx, { ...base, outcome: "error", reason: `${operation}: resume failed (${error.code}), try ${hardFailures}` });
      if (hardFailures < 2) continue;
      corrupted = true;
    }
    if (corrupted) {
      if (error.code === "session_corrupted") ctx.chain.recordFailure();
      ctx.chain.markNonResumable();
      audit(ctx, { ...base, outcome: "corrupted", reason: `${operation}: session marked non-resumable` });
    }
    if (!allowFresh) return { ok: false, code: error.code, message: error.message };
    fellBack(ctx, corrupted ? "session_corrupted" : "session_not_found");
    sessionIn = null;
  }
}
