// One alarm invocation works on a job for a bounded time (JOB_INVOCATION_BUDGET_MS), then
// hands over: it stops where it is, persisted, and the next invocation carries on.

/** Thrown when the invocation's time is up; the alarm catches it and schedules the next one. */
export class Suspended extends Error {
  /** The invocation ended while following a run the runner reported as still going. */
  readonly followingLiveRun: boolean;
  constructor(followingLiveRun: boolean) {
    super(followingLiveRun ? "invocation budget used up while following a live run" : "invocation budget used up");
    this.name = "Suspended";
    this.followingLiveRun = followingLiveRun;
  }
}

export class Budget {
  readonly deadline: number;
  /** Fires at the deadline: long waits (a run's event stream) end with it. */
  readonly signal: AbortSignal;
  constructor(startedAt: number, budgetMs: number) {
    this.deadline = startedAt + budgetMs;
    this.signal = AbortSignal.timeout(Math.max(0, this.deadline - Date.now()));
  }

  expired(): boolean {
    return Date.now() >= this.deadline;
  }

  /** The deadline falls within `ms` from now (real time: the job's clock may carry a dev offset). */
  endsWithin(ms: number): boolean {
    return Date.now() + ms >= this.deadline;
  }

  /** Ends the invocation here when its time is up (work done so far is persisted). */
  check(): void {
    if (this.expired()) throw new Suspended(false);
  }
}

/** Catch sites that tolerate failures must still let a suspension through. */
export function rethrowIfSuspended(err: unknown, budget: Budget): void {
  if (err instanceof Suspended) throw err;
  // A call cut by the deadline is not a failure of what it did: carry on next invocation.
  if (budget.expired()) throw new Suspended(false);
}
