import type { RunOutcome } from "../runner/client.ts";
import { cacheFloors } from "../models/table.ts";
import { RunnerUnavailableError } from "../runner/client.ts";
import type { FinalEvent, Operation, RunRequestInput } from "../runner/protocol.ts";
import { rethrowIfSuspended, Suspended } from "./budget.ts";
import type { JobContext } from "./context.ts";
import { emit, progressed } from "./context.ts";
import { ensureWorkspace } from "./rehydrate.ts";
import { backoff, backoffMs, mayRetry, retryPolicy } from "./retry.ts";
import type { ActiveRun } from "./storage/runs.ts";

/** Request fields beyond the operation and session: the metadata step's context and model, a new session's handoff and version log, the run's cache TTL. */
export type RunExtras = Pick<RunRequestInput, "metadataContext" | "documentationPatch" | "model" | "handoff" | "cacheTtl" | "versionLog">;

/** What a run is asked to do: the prompt and the step's extra fields. */
interface RunInput {
  prompt: string;
  extras: RunExtras;
}

/** A cut event stream is reconnected this many times in a row before the run counts as failed. */
const MAX_RECONNECTS = 3;

// One runner operation as a run that outlives alarm invocations. Its id is stored before
// the runner is asked for it; it is followed from the last event read, so a later
// invocation picks it up where this one stopped and never starts it twice. A run that
// failed transiently, or was lost by a runner restart, is re-run under a new id from the
// workspace reset to the chain's tree, with backoff, within the attempts and retry budget.
export async function callRunner(ctx: JobContext, operation: Operation, resumeSessionId: string | null, prompt: string, extras: RunExtras = {}): Promise<RunOutcome> {
  const input: RunInput = { prompt, extras };
  const policy = retryPolicy(ctx);
  const started = ctx.now();
  let run = currentRun(ctx, operation, resumeSessionId);
  // A run stored by an earlier invocation may exist on the runner: ask before starting.
  let fresh = false;
  let nextAttempt = 1;
  for (;;) {
    if (run === null) {
      run = await newRun(ctx, operation, resumeSessionId, nextAttempt);
      fresh = true;
    }
    const outcome = await follow(ctx, run, input, fresh);
    if (outcome.ok) return outcome; // the row stays until the step is recorded
    if (!outcome.error.retryable) {
      ctx.runs.clear(ctx.job.id);
      return outcome;
    }
    const wait = backoffMs(run.attempt, policy.baseMs);
    if (!mayRetry(policy, run.attempt, ctx.now() - started, wait)) {
      ctx.runs.clear(ctx.job.id);
      return { ok: false, error: { ...outcome.error, message: `${outcome.error.message} (gave up after ${run.attempt} attempts)` } };
    }
    emit(ctx, "retrying", { step: operation, attempt: run.attempt, waitMs: wait, code: outcome.error.code });
    await backoff(ctx, wait);
    nextAttempt = run.attempt + 1;
    run = null;
  }
}

/** The job's stored run if it belongs to this step; a run of another step is abandoned. */
function currentRun(ctx: JobContext, operation: Operation, sessionIn: string | null): ActiveRun | null {
  const active = ctx.runs.get(ctx.job.id);
  if (active === null) return null;
  if (active.step === operation && active.sessionIn === sessionIn) return active;
  // The step moved on (a fallback) before that run was recorded: it must not keep the workspace.
  void ctx.runner.cancelRun(active.runId).catch(() => undefined);
  ctx.runs.clear(ctx.job.id);
  return null;
}

/** Stores a new run (persist before acting) on a workspace reset to the chain's tree. */
async function newRun(ctx: JobContext, operation: Operation, sessionIn: string | null, attempt: number): Promise<ActiveRun> {
  await ensureWorkspace(ctx);
  ctx.budget.check();
  const runId = `${ctx.job.id}:${operation}:${ctx.jobs.takeRunNumber(ctx.job.id)}`;
  ctx.runs.set(ctx.job.id, { runId, step: operation, sessionIn, attempt });
  ctx.workspace.markDirty();
  progressed(ctx);
  const run = ctx.runs.get(ctx.job.id);
  if (run === null) throw new Error("stored run vanished");
  return run;
}

/** Starts the run if the runner does not have it yet, then reads its events to the final one. */
async function follow(ctx: JobContext, run: ActiveRun, input: RunInput, fresh: boolean): Promise<RunOutcome> {
  if (!run.acknowledged) {
    const known = fresh ? null : await status(ctx, run.runId);
    if (known === "error") return transient("the runner could not be asked about the run");
    if (known === null) {
      // Never reached the runner (or the runner lost it with its disk): start it on the right tree.
      if (!fresh) await ensureWorkspace(ctx);
      const refused = await start(ctx, run, input);
      if (refused !== null) return refused;
    }
    ctx.runs.acknowledge(ctx.job.id);
  }
  let offset = run.offset;
  let reconnects = 0;
  for (;;) {
    const from = offset;
    let end;
    try {
      end = await ctx.runner.followRun(run.runId, offset, (event) => {
        offset = event.seq;
        ctx.runs.advance(ctx.job.id, event.seq);
        progressed(ctx);
        if (event.type !== "started") emit(ctx, "progress", { step: run.step, ...withoutSeq(event) });
      }, ctx.budget.signal);
    } catch (err) {
      rethrowIfSuspended(err, ctx.budget);
      end = { kind: "broken" as const, message: err instanceof Error ? err.message : String(err) };
    }
    // Only reconnects in a row without progress count: a long run may be cut more often.
    if (offset > from) reconnects = 0;
    switch (end.kind) {
      case "final":
        if (ctx.runs.sawFinal(ctx.job.id)) progressed(ctx);
        return outcomeOf(end.final);
      case "open":
        throw new Suspended(true);
      case "unknown":
        return { ok: false, error: { code: "run_lost", message: `the runner no longer knows run ${run.runId} (its disk was replaced)`, retryable: true, sessionId: null } };
      case "broken":
        reconnects += 1;
        if (reconnects > MAX_RECONNECTS) return transient(end.message);
        await backoff(ctx, backoffMs(reconnects, ctx.config.retryBaseMs));
    }
  }
}

async function status(ctx: JobContext, runId: string): Promise<"known" | "error" | null> {
  try {
    return (await ctx.runner.runStatus(runId)) === null ? null : "known";
  } catch (err) {
    rethrowIfSuspended(err, ctx.budget);
    return "error";
  }
}

/** null when the runner took the run (or already had it); else the failure to report. */
async function start(ctx: JobContext, run: ActiveRun, input: RunInput): Promise<RunOutcome | null> {
  try {
    // Every request carries the job's version number (the runner labels build and update prompts).
    await ctx.runner.startRun({
      runId: run.runId, workspaceId: ctx.workspaceId, operation: run.step, prompt: input.prompt, resumeSessionId: run.sessionIn,
      forkSession: true, versionNumber: ctx.job.versionNumber, cacheFloors: cacheFloors(), ...input.extras,
    });
    return null;
  } catch (err) {
    rethrowIfSuspended(err, ctx.budget);
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof RunnerUnavailableError && !err.retryable) {
      return { ok: false, error: { code: err.status === 400 ? "bad_request" : "internal", message, retryable: false, sessionId: null } };
    }
    // Unreachable, 5xx, or 409 busy (another run still holds the workspace): waiting helps.
    return transient(message);
  }
}

function transient(message: string): RunOutcome {
  return { ok: false, error: { code: "overloaded", message, retryable: true, sessionId: null } };
}

function outcomeOf(final: FinalEvent): RunOutcome {
  if (final.type === "result") return { ok: true, result: final };
  const { type: _type, ...error } = final;
  return { ok: false, error };
}

function withoutSeq<T extends { seq: number }>(event: T): Omit<T, "seq"> {
  const { seq: _seq, ...rest } = event;
  return rest;
}
