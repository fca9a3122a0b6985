import type { RunOutcome } from "../runner/client.ts";
import type { Operation, RunRequestInput } from "../runner/protocol.ts";
import type { JobContext } from "./context.ts";
import { emit } from "./context.ts";
import { resetWorkspace } from "./rehydrate.ts";
import { backoffMs, mayRetry, sleep } from "./retry.ts";

/** Request fields beyond the operation and session: the metadata step's context, a new session's handoff, the run's cache TTL. */
export type RunExtras = Pick<RunRequestInput, "metadataContext" | "handoff" | "cacheTtl">;

// One runner operation, retried with backoff while the failure is transient (overloaded,
// runner restarting, stream cut), within the configured attempts and time budget. Every
// request carries the job's version number (the runner labels build and update prompts).

export async function callRunner(ctx: JobContext, operation: Operation, resumeSessionId: string | null, prompt: string, extras: RunExtras = {}): Promise<RunOutcome> {
  const policy = { maxAttempts: ctx.config.maxAttempts, baseMs: ctx.config.retryBaseMs, budgetMs: ctx.config.retryBudgetMs };
  const started = ctx.now();
  for (let attempt = 1; ; attempt++) {
    const outcome = await ctx.runner.run(
      { runId: `${ctx.job.id}:${operation}:${attempt}`, projectId: ctx.projectId, operation, prompt, resumeSessionId, forkSession: true, versionNumber: ctx.job.versionNumber, ...extras },
      (event) => {
        if (event.type === "started") return;
        emit(ctx, "progress", { step: operation, ...event });
      },
    );
    if (outcome.ok || !outcome.error.retryable) return outcome;
    const wait = backoffMs(attempt, policy.baseMs);
    if (!mayRetry(policy, attempt, ctx.now() - started, wait)) {
      return {
        ok: false,
        error: { ...outcome.error, message: `${outcome.error.message} (gave up after ${attempt} attempts)` },
      };
    }
    emit(ctx, "retrying", { step: operation, attempt, waitMs: wait, code: outcome.error.code });
    await sleep(wait);
    if (operation === "build" || operation === "update") await resetWorkspace(ctx).catch(() => undefined);
  }
}
