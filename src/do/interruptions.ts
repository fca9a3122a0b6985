import type { JobContext } from "./context.ts";
import { emit } from "./context.ts";
import { finishJob } from "./job-runner.ts";
import type { JobStore } from "./storage/jobs.ts";

// An alarm invocation that ends before its job is done is an interruption when it made no
// progress. Progress: the job's durable state moved forward — a run was started, a run
// event or a run's final event was read for the first time, a step was recorded, a blob
// moved between the runner and R2, or the workspace was restored. An invocation that died
// (killed, evicted, out of memory) is noticed by the next one: its start mark is still
// there. An invocation that handed over because its budget was used up counts too, unless
// it was following a run the runner reported as still going (the runner bounds a run's
// time itself). After JOB_MAX_INTERRUPTIONS the job fails and the queue moves on.

export interface InvocationStart {
  /** The previous invocation on this job never ended (it died). */
  previousDied: boolean;
  interruptions: number;
}

/** Marks an invocation as working on the job; counts the previous one if it died without progress. */
export function beginInvocation(jobs: JobStore, jobId: string): InvocationStart {
  const state = jobs.invocation(jobId);
  if (state === null) return { previousDied: false, interruptions: 0 };
  const previousDied = state.invocationProgress !== null;
  let interruptions = state.interruptions;
  if (previousDied && state.progress === state.invocationProgress) interruptions = jobs.addInterruption(jobId);
  jobs.setInvocation(jobId, state.progress);
  return { previousDied, interruptions };
}

/** The invocation hands over cleanly (budget used up); true when it counted as an interruption. */
export function suspendInvocation(jobs: JobStore, jobId: string, followingLiveRun: boolean): boolean {
  const state = jobs.invocation(jobId);
  jobs.setInvocation(jobId, null);
  if (state === null || followingLiveRun || state.progress !== state.invocationProgress) return false;
  jobs.addInterruption(jobId);
  return true;
}

export function endInvocation(jobs: JobStore, jobId: string): void {
  jobs.setInvocation(jobId, null);
}

/** Too many invocations ended without progress: fail the job so the queue moves on. */
export async function abandonJob(ctx: JobContext, interruptions: number): Promise<void> {
  const run = ctx.runs.get(ctx.job.id);
  ctx.runs.clear(ctx.job.id);
  emit(ctx, "interrupted", { interruptions, runId: run?.runId ?? null });
  finishJob(ctx, "failed", {
    code: "job_interrupted",
    message: `The update was interrupted ${interruptions} times without making progress and was stopped.`,
  });
  await ctx.flush();
  // Its run must not hold the workspace for the next job; the next run resets the tree.
  if (run !== null) await ctx.runner.cancelRun(run.runId).catch(() => undefined);
}
