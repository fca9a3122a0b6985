import type { Operation, ResultEvent } from "../runner/protocol.ts";
import { callRunner } from "./call.ts";
import type { RunExtras } from "./call.ts";
import type { JobContext } from "./context.ts";
import { audit, emit, warn } from "./context.ts";
import { verifyOwnership } from "./ownership.ts";
import { rethrowIfSuspended } from "./budget.ts";
import { recordOffChain, recordStep } from "./record.ts";
import { ArtifactsUnavailable, restoreTranscript, saveStep, WorkspaceUnavailable } from "./rehydrate.ts";
import { noteStep } from "./session-policy.ts";
import { TRANSCRIPT_INVALID, transcriptInvalid } from "./transcript-fallback.ts";
import { versionLogFor } from "./version-log.ts";

export type StepOutcome =
  | { ok: true; result: ResultEvent }
  | { ok: false; code: string; message: string };

type Verdict = { ok: true } | { ok: false; reason: string };

// A session is resumed only if it is in this project's own chain AND Postgres agrees that
// one of this project's versions produced it; then its transcript is put back if needed.
// A run an earlier invocation stored passed both checks before it was started: following it
// asks neither again (a Postgres blip would turn the live resumed run into a fresh one).
async function prepareResume(ctx: JobContext, sessionId: string, continuing: boolean): Promise<Verdict> {
  if (!continuing) {
    const verdict = await checkOwnership(ctx, sessionId);
    if (!verdict.ok) return verdict;
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

async function checkOwnership(ctx: JobContext, sessionId: string): Promise<Verdict> {
  if (!ctx.chain.owns(sessionId)) {
    audit(ctx, { requestedSessionId: sessionId, returnedSessionId: null, outcome: "security_violation", reason: "session id is not part of this project's chain", errorText: null });
    return { ok: false, reason: "security_violation" };
  }
  const check = await verifyOwnership(ctx, sessionId);
  if (check.ownership !== "owned") {
    const violation = check.ownership === "violation";
    audit(ctx, { requestedSessionId: sessionId, returnedSessionId: null, outcome: violation ? "security_violation" : "ownership_unverified", reason: check.reason, errorText: null });
    return { ok: false, reason: violation ? "security_violation" : "ownership_unverified" };
  }
  return { ok: true };
}

function fellBack(ctx: JobContext, reason: string, detail: Record<string, unknown> = {}): void {
  ctx.jobs.setDecision(ctx.job.id, "fresh", `fallback:${reason}`, null);
  ctx.outbox.push({ op: "update_version", id: ctx.job.versionId, patch: { resumeDecision: "fresh", resumeReason: `fallback:${reason}` } });
  emit(ctx, "fallback", { reason, ...detail });
}

/**
 * Runs one operation. A resume that cannot work falls back to a new session when
 * `allowFresh` (the build/update step); metadata and compaction only make sense resumed.
 * `offChain`: the result is a fork that never becomes the head (the lean metadata step).
 */
export async function runStep(ctx: JobContext, operation: Operation, resumeFrom: string | null, prompt: string, allowFresh: boolean, stepExtras: RunExtras = {}, offChain = false): Promise<StepOutcome> {
  let extras = stepExtras;
  let sessionIn = resumeFrom;
  for (;;) {
    if (sessionIn !== null) {
      const stored = ctx.runs.get(ctx.job.id);
      const verdict = await prepareResume(ctx, sessionIn, stored?.step === operation && stored.sessionIn === sessionIn);
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
    // A handoff goes only with a new session (the planned one, or a fallback from a resume):
    // a resumed session holds its own history. The version log goes with every build and
    // update: a resumed head may lack work other sessions did (a plain fresh start in between,
    // a restore), and a request may refer to it (the 2026-12-06 long form without it: 16 of
    // the policy's 40 undos wrong, each a resume of a head that had not seen what it undid).
    const fresh = sessionIn === null;
    const versionLog = operation === "build" || operation === "update" ? versionLogFor(ctx) : null;
    const outcome = await callRunner(ctx, operation, sessionIn, prompt, { ...extras, handoff: fresh ? (extras.handoff ?? null) : null, versionLog });
    if (outcome.ok && offChain && sessionIn !== null) {
      await recordOffChain(ctx, operation, sessionIn, outcome.result);
      noteStep(ctx, operation, sessionIn, outcome.result, extras.cacheTtl ?? null, true);
      return { ok: true, result: outcome.result };
    }
    if (outcome.ok) {
      try {
        await saveStep(ctx, outcome.result, sessionIn);
      } catch (err) {
        if (!(err instanceof ArtifactsUnavailable)) throw err;
        // The result cannot become the head without its tree and transcript in R2.
        ctx.runs.clear(ctx.job.id);
        return { ok: false, code: "artifacts_unavailable", message: err.message };
      }
      await recordStep(ctx, operation, sessionIn, outcome.result, generation);
      noteStep(ctx, operation, sessionIn, outcome.result, extras.cacheTtl ?? null);
      return { ok: true, result: outcome.result };
    }
    const error = outcome.error;
    if (sessionIn === null || error.retryable || error.code === "overloaded") {
      return { ok: false, code: error.code, message: error.message };
    }
    const base = { requestedSessionId: sessionIn, returnedSessionId: null, errorText: error.message.slice(0, 2000) };
    // Only a session that cannot be loaded counts against it. A task failure of a resumed
    // run (turn limit, refusal, engine error, a failed compaction) says nothing about the
    // session: the step fails as it would have fresh, no second run on the same job, and
    // the session stays resumable (README: Failures).
    if (error.code === "transcript_invalid") {
      const refused = transcriptInvalid(ctx, operation, sessionIn, error);
      if (!allowFresh) return { ok: false, code: error.code, message: error.message };
      fellBack(ctx, TRANSCRIPT_INVALID, { findings: refused.findings, handoff: refused.handoff !== null });
      extras = { ...extras, handoff: refused.handoff };
      sessionIn = null;
      continue;
    }
    if (error.code !== "session_not_found" && error.code !== "session_corrupted") {
      const reason = error.code === "compact_failed" ? "compaction failed; the session is unchanged" : `${operation}: the resumed run failed (${error.code}); the session stays resumable`;
      audit(ctx, { ...base, outcome: "error", reason });
      return { ok: false, code: error.code, message: error.message };
    }
    const corrupted = error.code === "session_corrupted";
    ctx.chain.recordFailure();
    if (corrupted) {
      ctx.chain.markNonResumable();
      audit(ctx, { ...base, outcome: "corrupted", reason: `${operation}: session marked non-resumable` });
    } else {
      audit(ctx, { ...base, outcome: "not_found", reason: `${operation}: the runner has no transcript for this session` });
    }
    if (!allowFresh) return { ok: false, code: error.code, message: error.message };
    fellBack(ctx, corrupted ? "session_corrupted" : "session_not_found");
    sessionIn = null;
  }
}

export const WORKSPACE_UNAVAILABLE = {
  code: "workspace_unavailable",
  message: "The project's files could not be restored exactly, so the update was stopped rather than run on the wrong files.",
};

/** Metadata and compaction are extras: when the workspace cannot be had, they are skipped. */
export async function optionalStep(ctx: JobContext, operation: Operation, head: string, prompt: string, extras: RunExtras = {}, offChain = false): Promise<StepOutcome> {
  try {
    return await runStep(ctx, operation, head, prompt, false, extras, offChain);
  } catch (err) {
    if (!(err instanceof WorkspaceUnavailable)) throw err;
    return { ok: false, code: WORKSPACE_UNAVAILABLE.code, message: err.message };
  }
}
