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
