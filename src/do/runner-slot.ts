import type { SlotGrant } from "../runner/pool.ts";
import type { JobRecord } from "./storage/jobs.ts";

/** Heartbeat of a held slot: well inside the pool's lease (JobLimits.slotLeaseMs, at least 4 min). */
const HEARTBEAT_MS = 60_000;
/** A waiting job asks the pool again after half the time it has waited, within these bounds
 * (the pool also wakes waiters when a slot frees, so this is the fallback). */
const MIN_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 30_000;

export interface HeldSlot {
  name: string;
  /** Stops the heartbeat and gives the slot back. */
  release(): Promise<void>;
  /** Stops the heartbeat but keeps the lease: the job's next invocation takes the slot up again. */
  keep(): void;
}

function pool(env: Env): DurableObjectStub<import("../runner/pool.ts").RunnerPool> {
  return env.RUNNER_POOL.getByName("pool");
}

/** A runner slot for this job (its own again if it had one), or null: no slot is free. */
export async function takeRunnerSlot(env: Env, projectId: string, job: JobRecord): Promise<HeldSlot | null> {
  let grant: SlotGrant;
  try {
    grant = await pool(env).acquire({ projectId, holder: job.id, slot: job.runnerSlot });
  } catch (err) {
    // The pool could not be asked: the job waits and asks again, it does not fail.
    console.error(`runner pool unavailable for job ${job.id}`, err);
    return null;
  }
  if (!grant.granted) return null;
  const timer = setInterval(() => {
    pool(env).renew(job.id).then(
      (held) => { if (!held) console.warn(`job ${job.id} lost its runner slot lease`); },
      (err: unknown) => console.warn(`job ${job.id}: slot heartbeat failed`, err),
    );
  }, HEARTBEAT_MS);
  return {
    name: grant.slot,
    keep() {
      clearInterval(timer);
    },
    async release() {
      clearInterval(timer);
      // If this fails the lease simply expires.
      await pool(env).release(job.id).catch((err: unknown) => console.warn(`job ${job.id}: slot release failed`, err));
    },
  };
}

/** When a job that has waited since `since` asks again. */
export function slotRetryMs(since: number, now: number): number {
  return Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, Math.round((now - since) / 2)));
}
