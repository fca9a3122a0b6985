import { RunnerUnavailableError } from "../runner/client.ts";
import { Suspended } from "./budget.ts";
import type { JobContext } from "./context.ts";

export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  budgetMs: number;
}

/** Exponential backoff with full jitter: spreads retries of many projects apart. */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const cap = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** Whether another attempt fits: attempts left and the wait stays inside the budget. */
export function mayRetry(policy: RetryPolicy, attempt: number, elapsedMs: number, waitMs: number): boolean {
  return attempt < policy.maxAttempts && elapsedMs + waitMs <= policy.budgetMs;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function retryPolicy(ctx: JobContext): RetryPolicy {
  return { maxAttempts: ctx.config.maxAttempts, baseMs: ctx.config.retryBaseMs, budgetMs: ctx.config.retryBudgetMs };
}

/** Waits before the next attempt, unless the invocation's time would run out first. */
export async function backoff(ctx: Pick<JobContext, "budget">, waitMs: number): Promise<void> {
  if (ctx.budget.endsWithin(waitMs)) throw new Suspended(false);
  await sleep(waitMs);
}

function transient(err: unknown): boolean {
  return err instanceof RunnerUnavailableError ? err.retryable : true;
}

/** Runs `work`, retrying failures `retryable` says are transient, within the retry policy. */
export async function withRetries<T>(ctx: JobContext, work: () => Promise<T>, retryable: (err: unknown) => boolean = transient): Promise<T> {
  const policy = retryPolicy(ctx);
  const started = ctx.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (err instanceof Suspended || ctx.budget.expired()) throw err;
      const wait = backoffMs(attempt, policy.baseMs);
      if (!retryable(err) || !mayRetry(policy, attempt, ctx.now() - started, wait)) throw err;
      await backoff(ctx, wait);
    }
  }
}
