import type { LeaseKeeper } from "../../artifacts/leases.ts";
import { saveLeasesOf } from "../../artifacts/leases.ts";
import { ArtifactStore } from "../../artifacts/store.ts";
import { isForkJob, runForkJob } from "../../branches/fork-job.ts";
import { branchObjectName, MAIN_BRANCH, workspaceIdOf } from "../../branches/names.ts";
import { chainConfig, jobLimits } from "../../config.ts";
import type { JobLimits } from "../../config.ts";
import { openDb } from "../../db/client.ts";
import { sessionBelongsToProject } from "../../db/repo/reads.ts";
import type { Result } from "../../domain/result.ts";
import { fail, ok } from "../../domain/result.ts";
import type { Accepted, ProjectView, VersionKind } from "../../domain/views.ts";
import { newId } from "../../ids.ts";
import { metadataConfig } from "../../metadata/config.ts";
import { versionLogEnabled } from "../../version-log/build.ts";
import { policyConfig } from "../../policy/config.ts";
import { runnerFor } from "../../runner/select.ts";
import { Budget, Suspended } from "../budget.ts";
import type { JobContext } from "../context.ts";
import { emit } from "../context.ts";
import { abandonJob, beginInvocation, endInvocation, suspendInvocation } from "../interruptions.ts";
import { finishJob, runJob } from "../job-runner.ts";
import type { ProjectState } from "../project-state.ts";
import { slotRetryMs, takeRunnerSlot } from "../runner-slot.ts";
import type { ForkSource, JobRecord } from "../storage/jobs.ts";
import { sha256 } from "./idempotency.ts";
import { invocationLost, InvocationHeartbeat } from "./lost-invocation.ts";

/** What the scheduler asks of the rest of the object after each finished job. */
export interface AfterJob {
  /** Retention: this object's finished jobs, then the project's retention when due. */
  afterJob(projectId: string, now: number): void;
}

// The job scheduler of one project or branch object: enqueue (idempotent, version numbers in
// queue order), the alarm that runs the queue one job at a time, and its scheduling. Jobs wait
// in SQLite, so nothing is lost to a restart and nothing runs twice.
export class JobScheduler {
  private readonly ctx: DurableObjectState;
  /** Read at each use: a test may point one instance at another database (test/worker/outbox.test.ts). */
  private readonly envOf: () => Env;
  private readonly state: ProjectState;
  private readonly after: AfterJob;
  /** Main's save leases, kept here on main (a branch asks main over RPC). */
  private readonly leaseKeeper: LeaseKeeper;
  /** Enqueues one at a time: a branch awaits its version number from main in between. */
  private enqueueing: Promise<unknown> = Promise.resolve();
  /** In-memory: this instance is running a job now (storage says which one). */
  private working = false;
  /** A job was enqueued while this instance worked: the alarm is re-armed when it stops. */
  private enqueuedWhileWorking = false;
  private readonly heartbeat: InvocationHeartbeat;

  constructor(ctx: DurableObjectState, env: () => Env, state: ProjectState, after: AfterJob & LeaseKeeper) {
    this.ctx = ctx;
    this.envOf = env;
    this.state = state;
    this.after = after;
    this.leaseKeeper = after;
    this.heartbeat = new InvocationHeartbeat(ctx.storage.kv);
  }

  private get env(): Env {
    return this.envOf();
  }


  /** One enqueue at a time, so version numbers follow the queue's order. */
  serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.enqueueing.then(work, work);
    this.enqueueing = next.catch(() => undefined);
    return next;
  }

  /** The earlier job of this Idempotency-Key (a replay), a conflict, or null: a new request. */
  async replay(project: ProjectView, idempotencyKey: string | null, prompt: string): Promise<Result<Accepted> | null> {
    if (idempotencyKey === null) return null;
    const existing = this.state.jobs.byIdempotencyKey(idempotencyKey);
    if (existing === null) return null;
    if (existing.promptHash !== (await sha256(prompt))) return fail("idempotency_conflict", "this Idempotency-Key was already used with a different request");
    return ok(this.accepted(project, existing, true));
  }

  accepted(project: ProjectView, job: Pick<JobRecord, "id" | "versionId" | "versionNumber">, replayed: boolean): Accepted {
    const view = this.state.jobs.view(job.id, project.id, project.branch);
    if (view === null) throw new Error("accepted job vanished");
    return { project, branch: project.branch, job: view, version: { id: job.versionId, number: job.versionNumber }, replayed };
  }

  /** Main numbers its own versions; a branch asks main (numbers are per project). */
  private takeVersionNumber(project: ProjectView): Promise<number> {
    if (project.branch === MAIN_BRANCH) return Promise.resolve(this.state.meta.takeVersionNumber());
    return this.env.PROJECT.getByName(project.id).allocateVersion(project.branch);
  }

  async enqueue(
    userId: string, kind: VersionKind, prompt: string, idempotencyKey: string | null,
    options: { source?: ForkSource; restoredFrom?: number; versionNumber?: number } = {},
  ): Promise<Accepted> {
    const promptHash = await sha256(prompt);
    const project = this.state.meta.get();
    if (project === null) throw new Error("enqueue before the project exists");
    const projectId = project.id;
    const versionNumber = options.versionNumber ?? (await this.takeVersionNumber(project));
    const now = Date.now();
    // Persist before acting: the job is in storage before anything else happens.
    const job = { id: newId("job"), versionId: newId("ver"), versionNumber, kind, prompt, userId, idempotencyKey, promptHash, source: options.source ?? null };
    this.state.jobs.insert(job, now);
    this.state.versions.insert({ number: versionNumber, id: job.versionId, kind, restoredFrom: options.restoredFrom ?? null }, now);
    this.state.outbox.push({
      op: "insert_version", id: job.versionId, projectId, versionNumber, kind, prompt, jobId: job.id,
      branch: project.branch, restoredFrom: options.restoredFrom ?? null,
    });
    this.state.events.append(job.id, "queued", { versionNumber }, now);
    // Looked at now, even behind a later alarm (an outbox retry, a dead invocation's
    // watchdog); an invocation at work here re-arms it when it ends (it may have chosen its
    // next alarm before this job existed).
    if (this.working) this.enqueuedWhileWorking = true;
    else {
      const alarm = await this.ctx.storage.getAlarm();
      if (alarm === null || alarm > now) await this.ctx.storage.setAlarm(now);
    }
    // No Postgres round trip on the acknowledgement path: the alarm, which fires at once
    // (or the running job's next step), sends the outbox; reads flush it first.
    // The version number was just taken, so it is the latest (of the project, or the branch).
    return this.accepted({ ...project, latestVersionNumber: versionNumber }, job, false);
  }

  /** The pool has a free runner slot again: look at the queue now instead of at the backoff. */
  async wake(): Promise<void> {
    if (!this.state.hasSchema || this.working || this.state.jobs.next() === null) return;
    await this.ctx.storage.setAlarm(Date.now());
  }

  /** Any request that reaches the object: re-arms the alarm now when the open job's invocation was lost. */
  async noticeLost(): Promise<void> {
    if (!this.state.hasSchema || this.working) return;
    const job = this.state.jobs.next();
    if (job === null) return;
    const alarm = await this.ctx.storage.getAlarm();
    const now = Date.now();
    if (!invocationLost({ working: this.working, openJob: true, alarm, lastBeat: this.heartbeat.lastBeat(), now })) return;
    console.warn(`job ${job.id}: no live invocation and no alarm due soon (alarm ${alarm === null ? "none" : new Date(alarm).toISOString()}); re-arming it now`);
    await this.ctx.storage.setAlarm(now);
  }

  async alarm(): Promise<void> {
    if (!this.state.hasSchema) return;
    const limits = jobLimits(this.env);
    const watchdogMs = limits.watchdogMs;
    if (this.working) {
      // This instance is on it (a long job outlived the watchdog): keep a watchdog armed.
      await this.ctx.storage.setAlarm(Date.now() + watchdogMs);
      return;
    }
    // Marked first and cleared last: nothing in between can leave the object believing it
    // works (or beating its heartbeat) after the invocation is over.
    this.working = true;
    const stopHeartbeat = this.heartbeat.start();
    try {
      await this.runNext(limits, watchdogMs);
    } finally {
      stopHeartbeat();
      this.working = false;
      if (this.enqueuedWhileWorking) {
        this.enqueuedWhileWorking = false;
        await this.ctx.storage.setAlarm(Date.now());
      }
    }
  }

  private async runNext(limits: JobLimits, watchdogMs: number): Promise<void> {
    await this.state.flush();
    const job = this.state.jobs.next();
    const project = this.state.meta.get();
    if (job === null || project === null) {
      if (this.state.outbox.size() > 0) await this.ctx.storage.setAlarm(Date.now() + this.state.outbox.retryDelayMs());
      return;
    }
    // The watchdog before anything that can die: the alarm that fired this invocation is spent.
    await this.ctx.storage.setAlarm(Date.now() + watchdogMs);
    // The slot first: an invocation that only learns every runner is busy is waiting, not
    // an interruption of the job. Slots are held per branch object (the pool wakes it by name).
    const slot = await takeRunnerSlot(this.env, branchObjectName(project.id, project.branch), job);
    if (slot === null) {
      await this.waitForRunner(job);
      return;
    }
    let suspended: Suspended | null = null;
    try {
      suspended = await this.work(project, job, slot.name, limits);
    } finally {
      // A job handed over to the next invocation keeps its slot (its run may be live there):
      // the lease outlives the handover, and the next invocation takes it up again. Anything
      // else (a finished job, a setup that threw) gives it back and stops its heartbeat.
      if (suspended === null) await slot.release();
      else slot.keep();
      const db = this.state.jobDb;
      this.state.jobDb = null;
      await db?.close().catch(() => undefined);
    }
    if (suspended !== null) {
      // Handed over cleanly: the next invocation follows the run from where this one stopped.
      suspendInvocation(this.state.jobs, job.id, suspended.followingLiveRun);
      await this.ctx.storage.setAlarm(Date.now());
      return;
    }
    endInvocation(this.state.jobs, job.id);
    this.after.afterJob(project.id, Date.now());
    const more = this.state.jobs.next() !== null;
    if (more) await this.ctx.storage.setAlarm(Date.now());
    else if (this.state.outbox.size() > 0) await this.ctx.storage.setAlarm(Date.now() + this.state.outbox.retryDelayMs());
    else await this.ctx.storage.deleteAlarm();
  }

  /** One invocation's work on the job; the suspension when it handed over. */
  private async work(project: ProjectView, job: JobRecord, slot: string, limits: JobLimits): Promise<Suspended | null> {
    this.state.jobs.setRunnerSlot(job.id, slot);
    const budget = new Budget(Date.now(), limits.invocationBudgetMs);
    // Marked before the job's work: if this invocation dies, the next one knows.
    const start = beginInvocation(this.state.jobs, job.id);
    this.state.jobDb = openDb(this.env);
    const context = this.jobContext(project, job, slot, budget, limits.runnerCallTimeoutMs);
    try {
      if (job.status === "running") emit(context, "continued", { previousInvocationDied: start.previousDied, interruptions: start.interruptions });
      if (start.interruptions >= limits.maxInterruptions) await abandonJob(context, start.interruptions);
      else if (isForkJob(job)) await runForkJob(context);
      else await runJob(context, { resumeOverride: project.resumeOverride, sessionPolicy: project.sessionPolicy });
    } catch (err) {
      if (err instanceof Suspended) return err;
      // Unexpected (a bug or storage failure): fail the job rather than retry it forever.
      console.error(`job ${job.id} crashed`, err);
      if (this.state.jobs.byId(job.id)?.status === "running") {
        finishJob(context, "failed", { code: "internal", message: "The update failed unexpectedly." });
        await this.state.flush();
      }
    }
    return null;
  }

  /** Every runner slot is busy: the job waits at the front of its queue, visibly, and asks again. */
  private async waitForRunner(job: JobRecord): Promise<void> {
    const now = Date.now();
    const since = this.state.jobs.markWaiting(job.id, now);
    if (since === now) this.state.events.append(job.id, "waiting_for_runner", { message: "every runner is busy; the job starts when one frees up" }, now);
    await this.ctx.storage.setAlarm(now + slotRetryMs(since, now));
  }

  private jobContext(project: ProjectView, job: JobRecord, slot: string, budget: Budget, callTimeoutMs: number): JobContext {
    const projectId = project.id;
    const state = this.state;
    return {
      projectId,
      branch: project.branch,
      workspaceId: workspaceIdOf(projectId, project.branch),
      job,
      config: chainConfig(this.env),
      runner: runnerFor(this.env, slot, { callTimeoutMs, deadline: budget.deadline }),
      artifacts: new ArtifactStore(this.env.ARTIFACTS, projectId),
      leases: saveLeasesOf(project.branch === MAIN_BRANCH ? this.leaseKeeper : this.env.PROJECT.getByName(projectId)),
      chain: state.chain,
      jobs: state.jobs,
      events: state.events,
      outbox: state.outbox,
      memory: state.memory,
      runs: state.runs,
      workspace: state.workspace,
      versions: state.versions,
      budget,
      policy: state.policy,
      policyConfig: policyConfig(this.env),
      metadataConfig: metadataConfig(this.env),
      versionLog: versionLogEnabled(this.env),
      flush: () => state.flush(),
      sessionInPostgres: async (sessionId) => {
        try {
          return await state.withDb((db) => sessionBelongsToProject(db, projectId, sessionId));
        } catch (err) {
          console.error("ownership check failed", err);
          return null;
        }
      },
      now: () => state.clock.now(),
      attempts: 0,
    };
  }
}
