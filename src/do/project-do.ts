import { DurableObject } from "cloudflare:workers";
import { MAIN_BRANCH } from "../branches/names.ts";
import type { BranchRoots } from "../branches/retention.ts";
import type { VersionUse } from "../branches/version-source.ts";
import { listVersions } from "../db/repo/reads.ts";
import { versionView } from "../db/repo/version-view.ts";
import type { Result } from "../domain/result.ts";
import { fail, ok } from "../domain/result.ts";
import type { Accepted, JobEvent, JobView, ProjectView, SessionView, VersionView } from "../domain/views.ts";
import type { SessionPolicy } from "../policy/types.ts";
import { BranchRegistry } from "./coordinator/registry.ts";
import type { BranchSummary } from "./coordinator/registry.ts";
import { Retention } from "./coordinator/retention.ts";
import type { RetentionReport } from "./coordinator/retention.ts";
import { ProjectState } from "./project-state.ts";
import { JobScheduler } from "./scheduler/job-scheduler.ts";
import type { HistoryPage } from "./storage/chain.ts";
import type { ForkSource } from "./storage/jobs.ts";

export type { BranchSummary } from "./coordinator/registry.ts";
export type { RetentionReport } from "./coordinator/retention.ts";

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

/** A branch as the branch routes show it. */
export interface BranchView {
  name: string;
  /** The version its first version forked; null for main. */
  fromVersion: number | null;
  createdAt: string;
  latestVersionNumber: number | null;
  headVersionNumber: number | null;
  headSessionId: string | null;
}

// One per project, and one per branch: the RPC facade of the single writer of a session
// chain. The rooms behind it: the job scheduler (scheduler/: enqueue, idempotency, the alarm),
// the project coordinator (coordinator/: main's branch registry and version numbers, and
// retention), and the object's storage (project-state.ts).
export class ProjectDO extends DurableObject<Env> {
  private readonly state: ProjectState;
  private readonly scheduler: JobScheduler;
  private readonly retention: Retention;
  private branchRegistry: BranchRegistry | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const currentEnv = (): Env => this.env;
    this.state = new ProjectState(ctx, currentEnv);
    this.retention = new Retention(ctx, currentEnv, this.state, (work) => this.scheduler.serialized(work));
    this.scheduler = new JobScheduler(ctx, currentEnv, this.state, this.retention);
  }

  /** Main's branch registry; null on a branch object (and on an object never set up). */
  private registry(): BranchRegistry | null {
    if (!this.state.hasSchema || this.state.branch() !== MAIN_BRANCH) return null;
    this.branchRegistry ??= new BranchRegistry(this.state, this.scheduler);
    return this.branchRegistry;
  }

  override async alarm(): Promise<void> {
    await this.scheduler.alarm();
  }

  // ---- RPC ----

  async createProject(input: { projectId: string; ownerUserId: string; name: string; prompt: string }): Promise<Result<Accepted>> {
    this.state.ensureSchema();
    if (this.state.meta.get() !== null) return fail("invalid", "project already exists");
    const now = Date.now();
    this.state.meta.create(input.projectId, input.ownerUserId, input.name, now);
    this.state.outbox.push({ op: "upsert_project", id: input.projectId, ownerUserId: input.ownerUserId, name: input.name, resumeEnabled: null });
    return ok(await this.scheduler.enqueue(input.ownerUserId, "create", input.prompt, null));
  }

  async enqueueUpdate(input: { userId: string; prompt: string; idempotencyKey: string | null }): Promise<Result<Accepted>> {
    return this.scheduler.serialized(async () => {
      await this.scheduler.noticeLost();
      const project = this.state.owned(input.userId);
      if (project === null) return fail("not_found", this.state.notFoundMessage());
      const replay = await this.scheduler.replay(project, input.idempotencyKey, input.prompt);
      if (replay !== null) return replay;
      if (this.failedBranch()) return fail("conflict", `branch ${project.branch} could not be made from its version (its first job failed); make a new branch`);
      return ok(await this.scheduler.enqueue(input.userId, "update", input.prompt, input.idempotencyKey));
    });
  }

  /**
   * Queues a restore of version `versionNumber` of this branch: a new version whose files
   * are exactly that version's and whose session is a fork of its final session.
   */
  async enqueueRestore(input: { userId: string; versionNumber: number; idempotencyKey: string | null }): Promise<Result<Accepted>> {
    return this.scheduler.serialized(async () => {
      await this.scheduler.noticeLost();
      const project = this.state.owned(input.userId);
      if (project === null) return fail("not_found", this.state.notFoundMessage());
      const prompt = `Restore version ${input.versionNumber}`;
      const replay = await this.scheduler.replay(project, input.idempotencyKey, prompt);
      if (replay !== null) return replay;
      const source = await this.state.sourceOf(input.versionNumber, "restore");
      if (!source.ok) return source;
      return ok(await this.scheduler.enqueue(input.userId, "restore", prompt, input.idempotencyKey, { source: source.value, restoredFrom: input.versionNumber }));
    });
  }

  /** The tree and session version `versionNumber` of this branch left, when it can be used. */
  async versionTree(userId: string, versionNumber: number, use: VersionUse): Promise<Result<ForkSource>> {
    if (this.state.owned(userId) === null) return fail("not_found", this.state.notFoundMessage());
    return this.state.sourceOf(versionNumber, use);
  }

  /** Pins (or unpins) a version of this branch: retention never prunes a pinned version. */
  async pinVersion(userId: string, versionNumber: number, pinned: boolean): Promise<Result<{ versionNumber: number; branch: string; pinned: boolean }>> {
    const project = this.state.owned(userId);
    if (project === null) return fail("not_found", this.state.notFoundMessage());
    const version = this.state.versions.get(versionNumber);
    if (version === null) return fail("not_found", `version ${versionNumber} does not exist`);
    if (version.prunedAt !== null) return fail("gone", `version ${versionNumber} was pruned on ${new Date(version.prunedAt).toISOString().slice(0, 10)}; a pruned version cannot be pinned`);
    if (version.status === "failed") return fail("conflict", `version ${versionNumber} failed: it left nothing to keep, so it cannot be pinned`);
    this.state.versions.setPinned(versionNumber, pinned);
    this.state.outbox.push({ op: "update_version", id: version.id, patch: { pinned } });
    await this.state.flush();
    return ok({ versionNumber, branch: project.branch, pinned });
  }

  /** This branch: where it came from, its head and its queue. */
  async getBranch(userId: string, history: HistoryPage): Promise<Result<{ branch: BranchView; session: SessionView; queue: QueueStats }>> {
    await this.scheduler.noticeLost();
    const project = this.state.owned(userId);
    if (project === null) return fail("not_found", this.state.notFoundMessage());
    return ok({ branch: this.branchView(project), session: this.state.chain.view(project.id, project.branch, Date.now(), history), queue: this.stats() });
  }

  // ---- main only: the project coordinator (branch registry, version numbers, retention) ----

  /** A version number for a branch's next version (numbers are per project). Internal: branch objects call it. */
  async allocateVersion(branch: string): Promise<number> {
    const registry = this.registry();
    if (registry === null) throw new Error("version numbers come from the project's main object");
    return registry.allocateVersion(branch);
  }

  /** Which branch version `versionNumber` belongs to. */
  async locateVersion(userId: string, versionNumber: number): Promise<Result<{ branch: string }>> {
    return this.registry()?.locateVersion(userId, versionNumber) ?? fail("not_found", "project not found");
  }

  /** Creates branch `name` from version `fromVersion` of any branch (coordinator/registry.ts). */
  async createBranch(input: { userId: string; name: string; fromVersion: number }): Promise<Result<Accepted>> {
    return this.registry()?.createBranch(input) ?? fail("not_found", "project not found");
  }

  /** Main and every branch, by name, a page at a time (`after`: the last name seen). */
  async listBranches(userId: string, page: { limit: number; after: string | null }): Promise<Result<{ branches: BranchSummary[]; next: string | null }>> {
    return this.registry()?.listBranches(userId, page) ?? fail("not_found", "project not found");
  }

  /** Retention over the whole project, when due or `force`d (coordinator/retention.ts); null on a branch. */
  async runRetention(now = Date.now(), force = false): Promise<RetentionReport | null> {
    return this.retention.runProject(now, force);
  }

  /** A save of any branch takes a lease on the project's R2 objects (src/artifacts/leases.ts). Internal: main keeps them. */
  async acquireSaveLease(holder: string): Promise<boolean> {
    return this.retention.acquireSaveLease(holder);
  }

  async releaseSaveLease(holder: string): Promise<boolean> {
    return this.retention.releaseSaveLease(holder);
  }

  // ---- any branch, internal ----

  /** Sets up this object as branch `branch` and queues its first version. Idempotent. Internal: main calls it. */
  async initBranch(input: { projectId: string; ownerUserId: string; projectName: string; branch: string; userId: string; versionNumber: number; source: ForkSource }): Promise<Result<Accepted>> {
    this.state.ensureSchema();
    const existing = this.state.meta.get();
    if (existing !== null) {
      const first = this.state.jobs.byVersionNumber(input.versionNumber);
      if (existing.branch !== input.branch || first === null) return fail("conflict", `branch ${input.branch} exists already`);
      return ok(this.scheduler.accepted(existing, first, true));
    }
    this.state.meta.create(input.projectId, input.ownerUserId, input.projectName, Date.now(), { branch: input.branch, branchedFrom: input.source.versionNumber });
    return ok(await this.scheduler.enqueue(input.userId, "branch", `Branch ${input.branch} from version ${input.source.versionNumber}`, null, {
      source: input.source, versionNumber: input.versionNumber,
    }));
  }

  /** Prunes this branch's old versions and says what storage must keep for it. Internal: main's retention calls it. */
  async retentionRoots(now: number): Promise<BranchRoots> {
    return this.retention.roots(now);
  }

  async getProject(userId: string, history: HistoryPage): Promise<Result<{ project: ProjectView; session: SessionView; queue: QueueStats }>> {
    await this.scheduler.noticeLost();
    const project = this.state.owned(userId);
    if (project === null) return fail("not_found", this.state.notFoundMessage());
    return ok({ project, session: this.state.chain.view(project.id, project.branch, Date.now(), history), queue: this.stats() });
  }

  /** The pool has a free runner slot again: look at the queue now instead of at the backoff. */
  async wake(): Promise<void> {
    await this.scheduler.wake();
  }

  async updateSettings(userId: string, patch: { resumeEnabled?: boolean | null; sessionPolicy?: SessionPolicy | null }): Promise<Result<ProjectView>> {
    const project = this.state.owned(userId);
    if (project === null) return fail("not_found", "project not found");
    if (patch.resumeEnabled !== undefined) this.state.meta.setResumeOverride(patch.resumeEnabled);
    if (patch.sessionPolicy !== undefined) this.state.meta.setSessionPolicy(patch.sessionPolicy);
    const updated = this.state.meta.get() ?? project;
    this.state.outbox.push({ op: "upsert_project", id: project.id, ownerUserId: project.ownerUserId, name: project.name, resumeEnabled: updated.resumeOverride, sessionPolicy: updated.sessionPolicy });
    await this.state.flush();
    return ok(updated);
  }

  async getJob(userId: string, jobId: string): Promise<Result<JobView>> {
    await this.scheduler.noticeLost();
    const project = this.state.owned(userId);
    const job = project === null ? null : this.state.jobs.view(jobId, project.id, project.branch);
    return job === null ? fail("not_found", "job not found") : ok(job);
  }

  async jobEvents(userId: string, jobId: string, afterId: number): Promise<Result<{ events: JobEvent[]; done: boolean }>> {
    await this.scheduler.noticeLost();
    const project = this.state.owned(userId);
    const job = project === null ? null : this.state.jobs.byId(jobId);
    if (job === null) return fail("not_found", "job not found");
    const events = this.state.events.after(jobId, afterId, EVENTS_PAGE);
    const finished = job.status === "succeeded" || job.status === "failed";
    // Done once the job has finished and this page reaches the end of its log.
    return ok({ events, done: finished && events.length < EVENTS_PAGE });
  }

  async getSession(userId: string, history: HistoryPage): Promise<Result<SessionView>> {
    await this.scheduler.noticeLost();
    const project = this.state.owned(userId);
    return project === null ? fail("not_found", this.state.notFoundMessage()) : ok(this.state.chain.view(project.id, project.branch, Date.now(), history));
  }

  async resetSession(userId: string, history: HistoryPage): Promise<Result<SessionView>> {
    const project = this.state.owned(userId);
    if (project === null) return fail("not_found", "project not found");
    const head = this.state.chain.get().headSessionId;
    this.state.chain.requestReset();
    this.state.outbox.push({
      op: "insert_attempt",
      key: crypto.randomUUID(),
      row: { projectId: project.id, versionId: null, userId, requestedSessionId: head, returnedSessionId: null, outcome: "skipped", reason: "reset_requested: the owner reset the session; the next update starts fresh", attemptNumber: 1, errorText: null },
    });
    await this.state.flush();
    return ok(this.state.chain.view(project.id, project.branch, Date.now(), history));
  }

  /** A page of versions from Postgres: every branch's from main, this branch's from a branch. */
  async listVersions(userId: string, page: VersionPage): Promise<Result<{ versions: VersionView[]; next: number | null }>> {
    const project = this.state.owned(userId);
    if (project === null) return fail("not_found", this.state.notFoundMessage());
    if (!(await this.state.flush())) return fail("unavailable", "the version store is unavailable, try again");
    const branch = project.branch === MAIN_BRANCH ? null : project.branch;
    try {
      const rows = await this.state.withDb((db) => listVersions(db, project.id, page.after ?? 0, page.limit + 1, branch));
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
    if (!this.state.hasSchema || this.state.meta.get() === null) return fail("not_found", "project not found");
    const offsetMs = this.state.clock.advance(ms);
    return offsetMs === null ? fail("not_found", "the dev clock is disabled") : ok({ offsetMs });
  }

  stats(): QueueStats {
    if (!this.state.hasSchema) return { queued: 0, waitingForRunner: 0, running: 0, outbox: 0, deadLetters: 0 };
    return { ...this.state.jobs.counts(), outbox: this.state.outbox.size(), deadLetters: this.state.outbox.deadLetters() };
  }

  private branchView(project: ProjectView): BranchView {
    const identity = this.state.meta.identity();
    const chain = this.state.chain.get();
    return {
      name: project.branch,
      fromVersion: identity?.branchedFrom ?? null,
      createdAt: project.createdAt,
      latestVersionNumber: this.state.versions.latest(),
      headVersionNumber: chain.headVersionNumber,
      headSessionId: chain.headSessionId,
    };
  }

  /** A branch whose first (fork) job failed has nothing to build on. */
  private failedBranch(): boolean {
    const identity = this.state.meta.identity();
    if (identity === null || identity.branch === MAIN_BRANCH || this.state.chain.get().headSessionId !== null) return false;
    const first = this.state.versions.get(this.state.versions.numbers().sort((a, b) => a - b)[0] ?? 0);
    return first?.status === "failed";
  }
}
