// A retry's wait is weighed against the invocation's budget in real time: the job clock may
// run ahead by a dev-clock offset (the benchmark's pauses), and that must not make every
// backoff look past the deadline and suspend the job.
import { describe, expect, it } from "vitest";
import { Budget, Suspended } from "../../src/do/budget.ts";
import { backoff } from "../../src/do/retry.ts";

const DAY_MS = 86_400_000;

describe("backoff and the invocation budget", () => {
  it("waits when the budget has room, whatever the job clock's dev offset", async () => {
    const budget = new Budget(Date.now(), 60_000);
    const ctx = { budget, now: () => Date.now() + DAY_MS };
    await expect(backoff(ctx, 1)).resolves.toBeUndefined();
  });

  it("suspends instead of waiting past the budget", async () => {
    const budget = new Budget(Date.now(), 50);
    await expect(backoff({ budget }, 60_000)).rejects.toBeInstanceOf(Suspended);
  });
});
