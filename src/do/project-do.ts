import { DurableObject } from "cloudflare:workers";
import { ArtifactStore } from "../artifacts/store.ts";
import { chainConfig, jobLimits, retentionConfig } from "../config.ts";
import { openDb, withDb } from "../db/client.ts";
import type { Db, OpenDb } from "../db/client.ts";
import { listVersions, sessionBelongsToProject } from "../db/repo/reads.ts";
import { versionView } from "../db/repo/version-view.ts";
import type { Result } from "../domain/result.ts";
import { fail, ok } from "../domain/result.ts";
import type { Accepted, JobEvent, JobView, ProjectView, SessionView, VersionView } from "../domain/views.ts";
import { newId } from "../ids.ts";
import { runnerFor } from "../runner/select.ts";
import { Budget, Suspended } from "./budget.ts";
import type { JobContext } from "./context.ts";
import { flushOutbox } from "./flush.ts";
import { emit } from "./context.ts";
import { abandonJob, beginInvocation, endInvocation, suspendInvocation } from "./interruptions.ts";
import { finishJob, runJob } from "./job-runner.ts";
import { slotRetryMs, takeRunnerSlot } from "./runner-slot.ts";
import { ChainStore } from "./storage/chain.ts";
import { DevClock, devClockEnabled } from "./storage/clock.ts";
import type { HistoryPage } from "./storage/chain.ts";
import { EventStore } from "./storage/events.ts";
import { JobStore } from "./storage/jobs.ts";
import type { JobRecord } from "./storage/jobs.ts";
import { MemoryStore } from "./storage/memory.ts";
import { MetaStore } from "./storage/meta.ts";
import { OutboxStore } from "./storage/outbox.ts";
import { RunStore } from "./storage/runs.ts";
import { PolicyStore } from "./storage/policy.ts";
import { policyConfig } from "../policy/config.ts";
import type { SessionPolicy } from "../policy/types.ts";
import { migrate, schemaExists } from "./storage/schema.ts";
import { WorkspaceStore } from "./storage/workspace.ts";

/** If a job's alarm dies with the instance, this alarm (set past the invocation's budget) picks the job up again. */
const WATCHDOG_MARGIN_MS = 2 * 60_000;

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export interface QueueStats {
  queued: number;
  waitingForRunner: number;
  running: number;
  /** Postgres writes waiting in the outbox. */
  outbox: number;
  /** Writes Postgres refused for good (kept in the DO's dead-letter table). */
  deadLetters: number;
}

/** A page of versions: `after` is the last version number already seen. */
export interface VersionPage {
  limit: number;
  after: number | null;
}

/** Job events returned per call (the SSE route pages through them). */
const EVENTS_PAGE = 100;

// One per project: the single writer of its session chain. Jobs wait in SQLite and the
// alarm runs them one at a time, so nothing is lost to a restart and nothing runs twice.
export class ProjectDO extends DurableObject<Env> {
  private readonly meta: MetaStore;
  private readonly jobs: JobStore;
  private readonly chain: ChainStore;
  private readonly events: EventStore;
  private readonly outbox: OutboxStore;
  private readonly clock: DevClock;
  private readonly memory: MemoryStore;
  private readonly runs: RunStore;
  private readonly workspace: WorkspaceStore;
  private readonly policy: PolicyStore;
  /** In-memory: this instance is running a job now (storage says which one). */
  private working = false;
  /** One Postgres pool for the whole job (its flushes and ownership checks), closed after it. */
  private jobDb: OpenDb | null = null;
  /** Only a created project has a schema: reading an unknown project id writes nothing. */
  private hasSchema: boolean;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    this.hasSchema = schemaExists(sql);
    // Setup only: no I/O beyond this object's own storage.
    if (this.hasSchema) void ctx.blockConcurrencyWhile(async () => migrate(sql));
    this.meta = new MetaStore(sql);
    this.jobs = new JobStore(sql);
    this.chain = new ChainStore(sql);
    this.events = new EventStore(sql);
    this.outbox = new OutboxStore(sql);
    this.clock = new DevClock(ctx.storage.kv, devClockEnabled(env));
    this.memory = new MemoryStore(sql);
    this.runs = new RunStore(sql);
    this.workspace = new WorkspaceStore(sql);
    this.policy = new PolicyStore(sql);
  }

  // ---- RPC ----

  async createProject(input: { projectId: string; ownerUserId: string; name: string; prompt: string }): Promise<Result<Accepted>> {
    if (!this.hasSchema) {
      migrate(this.ctx.storage.sql);
      this.hasSchema = true;
    }
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

  async getProject(userId: string, history: HistoryPage): Promise<Result<{ project: ProjectView; session: SessionView; queue: QueueStats }>> {
    const project = this.owned(userId);
    if (project === null) return fail("not_found", "project not found");
    return ok({ project, session: this.chain.view(project.id, Date.now(), history), queue: this.stats() });
  }

  /** The pool has a free runner slot again: look at the queue now instead of at the backoff. */
  async wake(): Promise<void> {
    if (!this.hasSchema || this.working || this.jobs.next() === null) return;
    await this.ctx.storage.setAlarm(Date.now());
  }

  /** The project's own settings: the resume override and the session policy (absent fields stay as they are). */
  async updateSettings(userId: string, patch: { resumeEnabled?: boolean | null; sessionPolicy?: SessionPolicy | null }): Promise<Result<ProjectView>> {
    const project = this.owned(userId);
    if (project === null) return fail("not_found", "project not found");
    if (patch.resumeEnabled !== undefined) this.meta.setResumeOverride(patch.resumeEnabled);
    if (patch.sessionPolicy !== undefined) this.meta.setSessionPolicy(patch.sessionPolicy);
    const updated = this.meta.get() ?? project;
    this.outbox.push({ op: "upsert_project", id: project.id, ownerUserId: project.ownerUserId, name: project.name, resumeEnabled: updated.resumeOverride, sessionPolicy: updated.sessionPolicy });
    await this.flush();
    return ok(updated);
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
    const events = this.events.after(jobId, afterId, EVENTS_PAGE);
    const finished = job.status === "succeeded" || job.status === "failed";
    // Done once the job has finished and this page reaches the end of its log.
    return ok({ events, done: finished && events.length < EVENTS_PAGE });
  }

  async getSession(userId: string, history: HistoryPage): Promise<Result<SessionView>> {
    const project = this.owned(userId);
    return project === null ? fail("not_found", "project not found") : ok(this.chain.view(project.id, Date.now(), history));
  }

  async resetSession(userId: string, history: HistoryPage): Promise<Result<SessionView>> {
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
    return ok(this.chain.view(project.id, Date.now(), history));
  }

  async listVersions(userId: string, page: VersionPage): Promise<Result<{ versions: VersionView[]; next: number | null }>> {
    const project = this.owned(userId);
    if (project === null) return fail("not_found", "project not found");
    if (!(await this.flush())) return fail("unavailable", "the version store is unavailable, try again");
    try {
      const rows = await this.withDb((db) => listVersions(db, project.id, page.after ?? 0, page.limit + 1));
      const shown = rows.slice(0, page.limit);
      return ok({ versions: shown.map(versionView), next: rows.length > page.limit ? (shown.at(-1)?.versionNumber ?? null) : null });
    } catch (err) {
      console.error("listVersions failed", err);
      return fail("unavailable", "the version store is unavailable, try again");
    }
  }

  /** Dev only (DEV_CLOCK_ENABLED): moves this project's job clock forward. */
  async advanceDevClock(ms: number): Promise<Result<{ offsetMs: number }>> {
    // No schema yet: nobody ever created this project here (tables are made on first create).
    if (!this.hasSchema || this.meta.get() === null) return fail("not_found", "project not found");
    const offsetMs = this.clock.advance(ms);
    return offsetMs === null ? fail("not_found", "the dev clock is disabled") : ok({ offsetMs });
  }

  stats(): QueueStats {
    if (!this.hasSchema) return { queued: 0, waitingForRunner: 0, running: 0, outbox: 0, deadLetters: 0 };
    return { ...this.jobs.counts(), outbox: this.outbox.size(), deadLetters: this.outbox.deadLetters() };
  }

  // ---- queue ----

  private owned(userId: string): ProjectView | null {
    if (!this.hasSchema) return null;
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
    if (!this.hasSchema) return;
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
      if (this.outbox.size() > 0) await this.ctx.storage.setAlarm(Date.now() + this.outbox.retryDelayMs());
      return;
    }
    this.working = true;
    // The slot first: an invocation that only learns every runner is busy is waiting, not
    // an interruption of the job.
    const slot = await takeRunnerSlot(this.env, project.id, job);
    if (slot === null) {
      this.working = false;
      await this.waitForRunner(job);
      return;
    }
    this.jobs.setRunnerSlot(job.id, slot.name);
    const budget = new Budget(Date.now(), limits.invocationBudgetMs);
    // Marked before the job's work: if this invocation dies, the next one knows.
    const start = beginInvocation(this.jobs, job.id);
    this.jobDb = openDb(this.env);
    const context = this.jobContext(project.id, job, slot.name, budget, limits.runnerCallTimeoutMs);
    let suspended: Suspended | null = null;
    try {
      await this.ctx.storage.setAlarm(Date.now() + watchdogMs);
      if (job.status === "running") emit(context, "continued", { previousInvocationDied: start.previousDied, interruptions: start.interruptions });
      if (start.interruptions >= limits.maxInterruptions) await abandonJob(context, start.interruptions);
      else await runJob(context, { resumeOverride: project.resumeOverride, sessionPolicy: project.sessionPolicy });
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
      // A job handed over to the next invocation keeps its slot (its run may be live there):
      // the lease outlives the handover, and the next invocation takes it up again.
      if (suspended === null) await slot.release();
      else slot.keep();
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
    this.prune(Date.now());
    const more = this.jobs.next() !== null;
    if (more) await this.ctx.storage.setAlarm(Date.now());
    else if (this.outbox.size() > 0) await this.ctx.storage.setAlarm(Date.now() + this.outbox.retryDelayMs());
    else await this.ctx.storage.deleteAlarm();
  }

  /** Every runner slot is busy: the job waits at the front of its queue, visibly, and asks again. */
  private async waitForRunner(job: JobRecord): Promise<void> {
    const now = Date.now();
    const since = this.jobs.markWaiting(job.id, now);
    if (since === now) this.events.append(job.id, "waiting_for_runner", { message: "every runner is busy; the job starts when one frees up" }, now);
    await this.ctx.storage.setAlarm(now + slotRetryMs(since, now));
  }

  /** Retention: finished jobs and their events after JOB_RETENTION_DAYS; the newest history rows. */
  private prune(now: number): void {
    const retention = retentionConfig(this.env);
    this.policy.pruneFinished(now - retention.jobRetentionMs);
    this.jobs.pruneFinished(now - retention.jobRetentionMs);
    this.chain.trimHistory(retention.historyLimit);
  }

  private jobContext(projectId: string, job: JobRecord, slot: string, budget: Budget, callTimeoutMs: number): JobContext {
    return {
      projectId,
      workspaceId: projectId,
      job,
      config: chainConfig(this.env),
      runner: runnerFor(this.env, slot, { callTimeoutMs, deadline: budget.deadline }),
      artifacts: new ArtifactStore(this.env.ARTIFACTS, projectId),
      chain: this.chain,
      jobs: this.jobs,
      events: this.events,
      outbox: this.outbox,
      memory: this.memory,
      runs: this.runs,
      workspace: this.workspace,
      budget,
      policy: this.policy,
      policyConfig: policyConfig(this.env),
      flush: () => this.flush(),
      sessionInPostgres: async (sessionId) => {
        try {
          return await this.withDb((db) => sessionBelongsToProject(db, projectId, sessionId));
        } catch (err) {
          console.error("ownership check failed", err);
          return null;
        }
      },
      now: () => this.clock.now(),
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

  private flushNow(): Promise<boolean> {
    const projectId = this.meta.get()?.id;
    if (projectId === undefined) return Promise.resolve(true);
    return flushOutbox({ outbox: this.outbox, projectId, withDb: (work) => this.withDb(work), now: () => Date.now() });
  }
}
