import { DurableObject } from "cloudflare:workers";
import { ArtifactStore } from "../artifacts/store.ts";
import { chainConfig, jobLimits } from "../config.ts";
import { openDb, withDb } from "../db/client.ts";
import type { Db, OpenDb } from "../db/client.ts";
import { listVersions, sessionBelongsToProject } from "../db/repo/reads.ts";
import { applyWrite } from "../db/repo/writes.ts";
import { versionView } from "../db/repo/version-view.ts";
import type { Result } from "../domain/result.ts";
import { fail, ok } from "../domain/result.ts";
import type { Accepted, JobEvent, JobView, ProjectView, SessionView, VersionView } from "../domain/views.ts";
import { newId } from "../ids.ts";
import { runnerFor } from "../runner/select.ts";
import { Budget, Suspended } from "./budget.ts";
import type { JobContext } from "./context.ts";
import { emit } from "./context.ts";
import { abandonJob, beginInvocation, endInvocation, suspendInvocation } from "./interruptions.ts";
import { finishJob, runJob } from "./job-runner.ts";
import { ChainStore } from "./storage/chain.ts";
import { EventStore } from "./storage/events.ts";
import { JobStore } from "./storage/jobs.ts";
import type { JobRecord } from "./storage/jobs.ts";
import { MetaStore } from "./storage/meta.ts";
import { OutboxStore } from "./storage/outbox.ts";
import { RunStore } from "./storage/runs.ts";
import { migrate } from "./storage/schema.ts";
import { WorkspaceStore } from "./storage/workspace.ts";

/** If a job's alarm dies with the instance, this alarm (set past the invocation's budget) picks the job up again. */
const WATCHDOG_MARGIN_MS = 2 * 60_000;
/** Postgres writes that failed are retried this often. */
const OUTBOX_RETRY_MS = 30_000;

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export interface QueueStats {
  queued: number;
  running: number;
  outbox: number;
}

// One per project: the single writer of its session chain. Jobs wait in SQLite and the
// alarm runs them one at a time, so nothing is lost to a restart and nothing runs twice.
export class ProjectDO extends DurableObject<Env> {
  private readonly meta: MetaStore;
  private readonly jobs: JobStore;
  private readonly chain: ChainStore;
  private readonly events: EventStore;
  private readonly outbox: OutboxStore;
  private readonly runs: RunStore;
  private readonly workspace: WorkspaceStore;
  /** In-memory: this instance is running a job now (storage says which one). */
  private working = false;
  /** One Postgres pool for the whole job (its flushes and ownership checks), closed after it. */
  private jobDb: OpenDb | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    // Setup only: no I/O beyond this object's own storage.
    void ctx.blockConcurrencyWhile(async () => migrate(sql));
    this.meta = new MetaStore(sql);
    this.jobs = new JobStore(sql);
    this.chain = new ChainStore(sql);
    this.events = new EventStore(sql);
    this.outbox = new OutboxStore(sql);
    this.runs = new RunStore(sql);
    this.workspace = new WorkspaceStore(sql);
  }

  // ---- RPC ----

  async createProject(input: { projectId: string; ownerUserId: string; name: string; prompt: string }): Promise<Result<Accepted>> {
    if (this.meta.get() !== null) return fail("invalid", "project already exists");
    const now = Date.now();
    this.meta.create(input.projectId, input.ownerUserId, input.name, now);
    this.outbox.push({ op: "upsert_project", id: input.projectId, ownerUserId: input.ownerUserId, name: input.name, resumeEnabled: null });
    return ok(await this.enqueue(input.ownerUserId, "create", input.prompt, null));
  }

  async enqueueUpdate(input: { userId: string; prompt: string; idempotencyKey: string | null }): Promise<Result<Accepted>> {
    const project = this.owned(input.userId);
    if (project === null) return fail("not_found", "project not found");
    if (input.idempotencyKey !== null) {
      const existing = this.jobs.byIdempotencyKey(input.idempotencyKey);
      if (existing !== null) {
        if (existing.promptHash !== (await sha256(input.prompt))) {
          return fail("idempotency_conflict", "this Idempotency-Key was already used with a different request");
        }
        return ok(this.accepted(project, existing, true));
      }
    }
    return ok(await this.enqueue(input.userId, "update", input.prompt, input.idempotencyKey));
  }

  async getProject(userId: string): Promise<Result<{ project: ProjectView; session: SessionView; queue: QueueStats }>> {
    const project = this.owned(userId);
    if (project === null) return fail("not_found", "project not found");
    return ok({ project, session: this.chain.view(project.id, Date.now()), queue: this.stats() });
  }

  async setResumeOverride(userId: string, value: boolean | null): Promise<Result<ProjectView>> {
    const project = this.owned(userId);
    if (project === null) return fail("not_found", "project not found");
    this.meta.setResumeOverride(value);
    this.outbox.push({ op: "upsert_project", id: project.id, ownerUserId: project.ownerUserId, name: project.name, resumeEnabled: value });
    await this.flush();
    return ok({ ...project, resumeOverride: value });
  }

  async getJob(userId: string, jobId: string): Promise<Result<JobView>> {
    const project = this.owned(userId);
    const job = project === null ? null : this.jobs.view(jobId, project.id);
    return job === null ? fail("not_found", "job not found") : ok(job);
  }

  async jobEvents(userId: string, jobId: string, afterId: number): Promise<Result<{ events: JobEvent[]; done: boolean }>> {
    const project = this.owned(userId);
    const job = project === null ? null : this.jobs.byId(jobId);
    if (job === null) return fail("not_found", "job not found");
    const events = this.events.after(jobId, afterId, 200);
    const finished = job.status === "succeeded" || job.status === "failed";
    // Done once the job has finished and this page reaches the end of its log.
    return ok({ events, done: finished && events.length < 200 });
  }

  async getSession(userId: string): Promise<Result<SessionView>> {
    const project = this.owned(userId);
    return project === null ? fail("not_found", "project not found") : ok(this.chain.view(project.id, Date.now()));
  }

  async resetSession(userId: string): Promise<Result<SessionView>> {
    const project = this.owned(userId);
    if (project === null) return fail("not_found", "project not found");
    const head = this.chain.get().headSessionId;
    this.chain.requestReset();
    this.outbox.push({
      op: "insert_attempt",
      key: crypto.randomUUID(),
      row: { projectId: project.id, versionId: null, userId, requestedSessionId: head, returnedSessionId: null, outcome: "skipped", reason: "reset_requested: the owner reset the session; the next update starts fresh", attemptNumber: 1, errorText: null },
    });
    await this.flush();
    return ok(this.chain.view(project.id, Date.now()));
  }

  async listVersions(userId: string): Promise<Result<VersionView[]>> {
    const project = this.owned(userId);
    if (project === null) return fail("not_found", "project not found");
    if (!(await this.flush())) return fail("unavailable", "the version store is unavailable, try again");
    try {
      return ok((await this.withDb((db) => listVersions(db, project.id))).map(versionView));
    } catch (err) {
      console.error("listVersions failed", err);
      return fail("unavailable", "the version store is unavailable, try again");
    }
  }

  stats(): QueueStats {
    return { ...this.jobs.counts(), outbox: this.outbox.size() };
  }

  // ---- queue ----

  private owned(userId: string): ProjectView | null {
    const project = this.meta.get();
    return project !== null && project.ownerUserId === userId ? project : null;
  }

  private accepted(project: ProjectView, job: Pick<JobRecord, "id" | "versionId" | "versionNumber">, replayed: boolean): Accepted {
    const view = this.jobs.view(job.id, project.id);
    if (view === null) throw new Error("accepted job vanished");
    return { project, job: view, version: { id: job.versionId, number: job.versionNumber }, replayed };
  }

  private async enqueue(userId: string, kind: "create" | "update", prompt: string, idempotencyKey: string | null): Promise<Accepted> {
    const promptHash = await sha256(prompt);
    const project = this.meta.get();
    if (project === null) throw new Error("enqueue before the project exists");
    const projectId = project.id;
    const now = Date.now();
    // Persist before acting: the job is in storage before anything else happens.
    const versionNumber = this.meta.takeVersionNumber();
    const job = { id: newId("job"), versionId: newId("ver"), versionNumber, kind, prompt, userId, idempotencyKey, promptHash };
    this.jobs.insert(job, now);
    this.outbox.push({ op: "insert_version", id: job.versionId, projectId, versionNumber, kind, prompt, jobId: job.id });
    this.events.append(job.id, "queued", { versionNumber }, now);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now);
    // No Postgres round trip on the acknowledgement path: the alarm, which fires at once
    // (or the running job's next step), sends the outbox; reads flush it first.
    // The version number was just taken, so it is the project's latest.
    return this.accepted({ ...project, latestVersionNumber: versionNumber }, job, false);
  }

  override async alarm(): Promise<void> {
    const limits = jobLimits(this.env);
    const watchdogMs = limits.invocationBudgetMs + WATCHDOG_MARGIN_MS;
    if (this.working) {
      // This instance is on it (a long job outlived the watchdog): keep a watchdog armed.
      await this.ctx.storage.setAlarm(Date.now() + watchdogMs);
      return;
    }
    await this.flush();
    const job = this.jobs.next();
    const project = this.meta.get();
    if (job === null || project === null) {
      if (this.outbox.size() > 0) await this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
      return;
    }
    const budget = new Budget(Date.now(), limits.invocationBudgetMs);
    // Marked before anything else: if this invocation dies, the next one knows.
    const start = beginInvocation(this.jobs, job.id);
    this.working = true;
    this.jobDb = openDb(this.env);
    const context = this.jobContext(project.id, job, budget, limits.runnerCallTimeoutMs);
    let suspended: Suspended | null = null;
    try {
      await this.ctx.storage.setAlarm(Date.now() + watchdogMs);
      if (job.status === "running") emit(context, "continued", { previousInvocationDied: start.previousDied, interruptions: start.interruptions });
      if (start.interruptions >= limits.maxInterruptions) await abandonJob(context, start.interruptions);
      else await runJob(context, project.resumeOverride);
    } catch (err) {
      if (err instanceof Suspended) suspended = err;
      else {
        // Unexpected (a bug or storage failure): fail the job rather than retry it forever.
        console.error(`job ${job.id} crashed`, err);
        if (this.jobs.byId(job.id)?.status === "running") {
          finishJob(context, "failed", { code: "internal", message: "The update failed unexpectedly." });
          await this.flush();
        }
      }
    } finally {
      this.working = false;
      const db = this.jobDb;
      this.jobDb = null;
      await db?.close().catch(() => undefined);
    }
    if (suspended !== null) {
      // Handed over cleanly: the next invocation follows the run from where this one stopped.
      suspendInvocation(this.jobs, job.id, suspended.followingLiveRun);
      await this.ctx.storage.setAlarm(Date.now());
      return;
    }
    endInvocation(this.jobs, job.id);
    const more = this.jobs.next() !== null;
    if (more) await this.ctx.storage.setAlarm(Date.now());
    else if (this.outbox.size() > 0) await this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
    else await this.ctx.storage.deleteAlarm();
  }

  private jobContext(projectId: string, job: JobRecord, budget: Budget, callTimeoutMs: number): JobContext {
    return {
      projectId,
      workspaceId: projectId,
      job,
      config: chainConfig(this.env),
      runner: runnerFor(this.env, projectId, { callTimeoutMs, deadline: budget.deadline }),
      artifacts: new ArtifactStore(this.env.ARTIFACTS, projectId),
      chain: this.chain,
      jobs: this.jobs,
      events: this.events,
      outbox: this.outbox,
      runs: this.runs,
      workspace: this.workspace,
      budget,
      flush: () => this.flush(),
      sessionInPostgres: async (sessionId) => {
        try {
          return await this.withDb((db) => sessionBelongsToProject(db, projectId, sessionId));
        } catch (err) {
          console.error("ownership check failed", err);
          return null;
        }
      },
      now: () => Date.now(),
      attempts: 0,
    };
  }

  /** The running job's pool when there is one, else a pool for just this piece of work. */
  private withDb<T>(work: (db: Db) => Promise<T>): Promise<T> {
    return this.jobDb !== null ? work(this.jobDb.db) : withDb(this.env, work);
  }

  private flushing: Promise<boolean> = Promise.resolve(true);

  /** One flush at a time: an RPC and the alarm must not send the same rows twice. */
  private flush(): Promise<boolean> {
    const next = this.flushing.then(() => this.flushNow(), () => this.flushNow());
    this.flushing = next;
    return next;
  }

  /** Sends the outbox to Postgres in order; stops at the first failure, keeping the rest. */
  private async flushNow(): Promise<boolean> {
    const pending = this.outbox.pending(500);
    if (pending.length === 0) return true;
    try {
      await this.withDb(async (db) => {
        for (const { seq, write } of pending) {
          await applyWrite(db, write);
          this.outbox.done(seq);
        }
      });
      return this.outbox.size() === 0 || this.flushNow();
    } catch (err) {
      const first = this.outbox.pending(1)[0];
      const reason = err instanceof Error ? err.message : String(err);
      if (first !== undefined) this.outbox.failed(first.seq, reason);
      console.error(`postgres write failed; ${this.outbox.size()} kept in the outbox: ${reason.slice(0, 200)}`);
      return false;
    }
  }
}
