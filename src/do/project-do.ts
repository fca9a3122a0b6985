import { DurableObject } from "cloudflare:workers";
import type { CollectReport } from "../artifacts/collect.ts";
import { ArtifactLeases, saveLeasesOf } from "../artifacts/leases.ts";
import { sweepUnderLease } from "../artifacts/sweep.ts";
import { ArtifactStore } from "../artifacts/store.ts";
import { isForkJob, runForkJob } from "../branches/fork-job.ts";
import { branchObjectName, branchOfObjectName, MAIN_BRANCH, workspaceIdOf } from "../branches/names.ts";
import { pruneBranch } from "../branches/retention.ts";
import type { BranchRoots } from "../branches/retention.ts";
import { versionSource } from "../branches/version-source.ts";
import type { VersionUse } from "../branches/version-source.ts";
import { chainConfig, jobLimits, retentionConfig, versionRetention } from "../config.ts";
import { openDb, withDb } from "../db/client.ts";
import type { Db, OpenDb } from "../db/client.ts";
import { listVersions, sessionBelongsToProject } from "../db/repo/reads.ts";
import { versionView } from "../db/repo/version-view.ts";
import type { Result } from "../domain/result.ts";
import { fail, ok } from "../domain/result.ts";
import type { Accepted, JobEvent, JobView, ProjectView, SessionView, VersionKind, VersionView } from "../domain/views.ts";
import { newId } from "../ids.ts";
import { runnerFor } from "../runner/select.ts";
import { Budget, Suspended } from "./budget.ts";
import type { JobContext } from "./context.ts";
import { flushOutbox } from "./flush.ts";
import { emit } from "./context.ts";
import { abandonJob, beginInvocation, endInvocation, suspendInvocation } from "./interruptions.ts";
import { BranchStore } from "./storage/branches.ts";
import { finishJob, runJob } from "./job-runner.ts";
import { slotRetryMs, takeRunnerSlot } from "./runner-slot.ts";
import { ChainStore } from "./storage/chain.ts";
import { DevClock, devClockEnabled } from "./storage/clock.ts";
import type { HistoryPage } from "./storage/chain.ts";
import { EventStore } from "./storage/events.ts";
import { JobStore } from "./storage/jobs.ts";
import type { ForkSource, JobRecord } from "./storage/jobs.ts";
import { MemoryStore } from "./storage/memory.ts";
import { MetaStore } from "./storage/meta.ts";
import { OutboxStore } from "./storage/outbox.ts";
import { RunStore } from "./storage/runs.ts";
import { PolicyStore } from "./storage/policy.ts";
import { policyConfig } from "../policy/config.ts";
import { metadataConfig } from "../metadata/config.ts";
import type { SessionPolicy } from "../policy/types.ts";
import { migrate, schemaExists } from "./storage/schema.ts";
import { VersionStore } from "./storage/versions.ts";
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

/** Retention runs over a whole project at most this often (after a job of any branch). */
const RETENTION_INTERVAL_MS = 60 * 60_000;
/**
 * Objects written less than this long ago are never collected: a job in flight (any branch)
 * may have saved a tree or transcript it has not recorded yet. Longer than any job lasts.
 */
const COLLECT_GRACE_MS = 24 * 60 * 60_000;

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

/** A branch as the list shows it (from main's registry). */
export interface BranchSummary {
  name: string;
  fromVersion: number | null;
  /** Its first version (main: 1). */
  firstVersion: number;
  createdAt: string;
}

/** What a retention run did over the whole project. */
export interface RetentionReport {
  branches: number;
  prunedVersions: number;
  /** null: a save held the project's objects, the next run collects. */
  collected: CollectReport | null;
}
// One per project: the single writer of its session chain. Jobs wait in SQLite and the
// alarm runs them one at a time, so nothing is lost to a restart and nothing runs twice.
export class ProjectDO extends DurableObject<Env> {
  private readonly meta: MetaStore;
  private readonly leases: ArtifactLeases;
  private readonly jobs: JobStore;
  private readonly chain: ChainStore;
  private readonly events: EventStore;
  private readonly outbox: OutboxStore;
  private readonly clock: DevClock;
  private readonly memory: MemoryStore;
  private readonly runs: RunStore;
  private readonly workspace: WorkspaceStore;
  private readonly versions: VersionStore;
  /** Main only: the project's other branches, and which branch each version number went to. */
  private readonly branches: BranchStore;
  /** Enqueues one at a time: a branch awaits its version number from main in between. */
  private enqueueing: Promise<unknown> = Promise.resolve();
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
    this.versions = new VersionStore(sql);
    this.branches = new BranchStore(sql);
    this.policy = new PolicyStore(sql);
    this.leases = new ArtifactLeases(sql);
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
    return this.serialized(async () => {
      const project = this.owned(input.userId);
      if (project === null) return fail("not_found", this.notFoundMessage());
      const replay = await this.replay(project, input.idempotencyKey, input.prompt);
      if (replay !== null) return replay;
      if (this.failedBranch()) return fail("conflict", `branch ${project.branch} could not be made from its version (its first job failed); make a new branch`);
      return ok(await this.enqueue(input.userId, "update", input.prompt, input.idempotencyKey));
    });
  }

  /**
   * Queues a restore of version `versionNumber` of this branch: a new version whose files
   * are exactly that version's and whose session is a fork of its final session.
   */
  async enqueueRestore(input: { userId: string; versionNumber: number; idempotencyKey: string | null }): Promise<Result<Accepted>> {
    return this.serialized(async () => {
      const project = this.owned(input.userId);
      if (project === null) return fail("not_found", this.notFoundMessage());
      const prompt = `Restore version ${input.versionNumber}`;
      const replay = await this.replay(project, input.idempotencyKey, prompt);
      if (replay !== null) return replay;
      const source = await this.sourceOf(input.versionNumber, "restore");
      if (!source.ok) return source;
      return ok(await this.enqueue(input.userId, "restore", prompt, input.idempotencyKey, { source: source.value, restoredFrom: input.versionNumber }));
    });
  }

  /** The tree and session version `versionNumber` of this branch left, when it can be used. */
  async versionTree(userId: string, versionNumber: number, use: VersionUse): Promise<Result<ForkSource>> {
    if (this.owned(userId) === null) return fail("not_found", this.notFoundMessage());
    return this.sourceOf(versionNumber, use);
  }

  /** Pins (or unpins) a version of this branch: retention never prunes a pinned version. */
  async pinVersion(userId: string, versionNumber: number, pinned: boolean): Promise<Result<{ versionNumber: number; branch: string; pinned: boolean }>> {
    const project = this.owned(userId);
    if (project === null) return fail("not_found", this.notFoundMessage());
    const version = this.versions.get(versionNumber);
    if (version === null) return fail("not_found", `version ${versionNumber} does not exist`);
    if (version.prunedAt !== null) return fail("gone", `version ${versionNumber} was pruned on ${new Date(version.prunedAt).toISOString().slice(0, 10)}; a pruned version cannot be pinned`);
    if (version.status === "failed") return fail("conflict", `version ${versionNumber} failed: it left nothing to keep, so it cannot be pinned`);
    this.versions.setPinned(versionNumber, pinned);
    this.outbox.push({ op: "update_version", id: version.id, patch: { pinned } });
    await this.flush();
    return ok({ versionNumber, branch: project.branch, pinned });
  }

  /** This branch: where it came from, its head and its queue. */
  async getBranch(userId: string, history: HistoryPage): Promise<Result<{ branch: BranchView; session: SessionView; queue: QueueStats }>> {
    const project = this.owned(userId);
    if (project === null) return fail("not_found", this.notFoundMessage());
    return ok({ branch: this.branchView(project), session: this.chain.view(project.id, project.branch, Date.now(), history), queue: this.stats() });
  }

  // ---- main only: the branch registry and version numbers of the whole project ----

  /** A version number for a branch's next version (numbers are per project). Internal: branch objects call it. */
  async allocateVersion(branch: string): Promise<number> {
    if (!this.hasSchema || this.branch() !== MAIN_BRANCH) throw new Error("version numbers come from the project's main object");
    const number = this.meta.takeVersionNumber();
    this.branches.assign(number, branch);
    return number;
  }

  /** Which branch version `versionNumber` belongs to. */
  async locateVersion(userId: string, versionNumber: number): Promise<Result<{ branch: string }>> {
    const project = this.owned(userId);
    if (project === null || project.branch !== MAIN_BRANCH) return fail("not_found", "project not found");
    if (versionNumber < 1 || versionNumber > project.latestVersionNumber) return fail("not_found", `version ${versionNumber} does not exist`);
    return ok({ branch: this.branches.branchOf(versionNumber) ?? MAIN_BRANCH });
  }

  /**
   * Creates branch `name` from version `fromVersion` (of any branch): its own object, with a
   * first version that is `fromVersion`'s files and a fork of its session. Nothing is written
   * until the request is known to be valid; a creation cut short is completed by the next try.
   */
  async createBranch(input: { userId: string; name: string; fromVersion: number }): Promise<Result<Accepted>> {
    return this.serialized(async () => {
      const project = this.owned(input.userId);
      if (project === null || project.branch !== MAIN_BRANCH) return fail("not_found", "project not found");
      const existing = this.branches.get(input.name);
      if (input.name === MAIN_BRANCH || existing?.ready === true) return fail("conflict", `a branch named ${input.name} already exists`);
      if (existing !== null && existing.fromVersion !== input.fromVersion) {
        return fail("conflict", `a branch named ${input.name} is being made from version ${existing.fromVersion}`);
      }
      const located = await this.locateVersion(input.userId, input.fromVersion);
      if (!located.ok) return located;
      const source = located.value.branch === MAIN_BRANCH
        ? await this.sourceOf(input.fromVersion, "branch")
        : await this.stub(located.value.branch).versionTree(input.userId, input.fromVersion, "branch");
      if (!source.ok) return source;
      let record = existing;
      if (record === null) {
        const firstVersion = this.meta.takeVersionNumber();
        this.branches.assign(firstVersion, input.name);
        record = { name: input.name, fromVersion: input.fromVersion, firstVersion, createdBy: input.userId, createdAt: Date.now(), ready: false };
        this.branches.insert(record);
      }
      const created = await this.stub(input.name).initBranch({
        projectId: project.id, ownerUserId: project.ownerUserId, projectName: project.name, branch: input.name, userId: input.userId,
        versionNumber: record.firstVersion, source: source.value,
      });
      if (!created.ok) {
        this.branches.remove(input.name);
        return created;
      }
      this.branches.markReady(input.name);
      return ok({ ...created.value, replayed: existing !== null });
    });
  }

  /** Main and every branch, by name, a page at a time (`after`: the last name seen). */
  async listBranches(userId: string, page: { limit: number; after: string | null }): Promise<Result<{ branches: BranchSummary[]; next: string | null }>> {
    const project = this.owned(userId);
    if (project === null || project.branch !== MAIN_BRANCH) return fail("not_found", "project not found");
    const main: BranchSummary = { name: MAIN_BRANCH, fromVersion: null, firstVersion: 1, createdAt: project.createdAt };
    const others = this.branches.all().map((b): BranchSummary => ({ name: b.name, fromVersion: b.fromVersion, firstVersion: b.firstVersion, createdAt: new Date(b.createdAt).toISOString() }));
    const all = [main, ...others].sort((a, b) => (a.name < b.name ? -1 : 1)).filter((b) => page.after === null || b.name > page.after);
    const shown = all.slice(0, page.limit);
    return ok({ branches: shown, next: all.length > page.limit ? (shown.at(-1)?.name ?? null) : null });
  }

  /**
   * Retention over the whole project, at most every RETENTION_INTERVAL_MS unless `force`:
   * every branch prunes its old versions and reports what it still needs; then R2 objects
   * nothing needs (and older than a day) are deleted. A branch that cannot be asked stops
   * the collection (its needs are unknown).
   */
  async runRetention(now = Date.now(), force = false): Promise<RetentionReport | null> {
    if (!this.hasSchema || this.branch() !== MAIN_BRANCH) return null;
    const last = this.meta.retentionRanAt();
    if (!force && last !== null && now - last < RETENTION_INTERVAL_MS) return null;
    this.meta.setRetentionRanAt(now);
    const project = this.meta.get();
    if (project === null) return null;
    const branches = this.branches.all();
    const roots: BranchRoots[] = [await this.retentionRoots(now)];
    for (const branch of branches) roots.push(await this.stub(branch.name).retentionRoots(now));
    await this.flush();
    const collected = await sweepUnderLease(this.leases, new ArtifactStore(this.env.ARTIFACTS, project.id), {
      treeHashes: new Set(roots.flatMap((r) => r.treeHashes)),
      sessionIds: new Set(roots.flatMap((r) => r.sessionIds)),
      versions: new Set(roots.flatMap((r) => r.versions)),
      known: new Set(roots.flatMap((r) => r.known)),
      legacyCutoff: now - versionRetention(this.env),
    }, now - COLLECT_GRACE_MS);
    const prunedVersions = roots.reduce((n, r) => n + r.pruned, 0);
    return { branches: branches.length + 1, prunedVersions, collected };
  }

  /** A save of any branch takes a lease on the project's R2 objects (src/artifacts/leases.ts). Internal: main keeps them. */
  async acquireSaveLease(holder: string): Promise<boolean> {
    return this.hasSchema && this.branch() === MAIN_BRANCH && this.leases.acquire("save", holder, Date.now());
  }

  async releaseSaveLease(holder: string): Promise<boolean> {
    return this.hasSchema && this.branch() === MAIN_BRANCH && this.leases.release(holder, Date.now());
  }

  // ---- any branch, internal ----

  /** Sets up this object as branch `branch` and queues its first version. Idempotent. Internal: main calls it. */
  async initBranch(input: { projectId: string; ownerUserId: string; projectName: string; branch: string; userId: string; versionNumber: number; source: ForkSource }): Promise<Result<Accepted>> {
    if (!this.hasSchema) {
      migrate(this.ctx.storage.sql);
      this.hasSchema = true;
    }
    const existing = this.meta.get();
    if (existing !== null) {
      const first = this.jobs.byVersionNumber(input.versionNumber);
      if (existing.branch !== input.branch || first === null) return fail("conflict", `branch ${input.branch} exists already`);
      return ok(this.accepted(existing, first, true));
    }
    this.meta.create(input.projectId, input.ownerUserId, input.projectName, Date.now(), { branch: input.branch, branchedFrom: input.source.versionNumber });
    return ok(await this.enqueue(input.userId, "branch", `Branch ${input.branch} from version ${input.source.versionNumber}`, null, {
      source: input.source, versionNumber: input.versionNumber,
    }));
  }

  /** Prunes this branch's old versions and says what storage must keep for it. Internal: main's retention calls it. */
  async retentionRoots(now: number): Promise<BranchRoots> {
    if (!this.hasSchema) return { treeHashes: [], sessionIds: [], versions: [], known: [], pruned: 0 };
    const roots = pruneBranch({ branch: this.branch(), versions: this.versions, chain: this.chain, jobs: this.jobs, outbox: this.outbox }, now, versionRetention(this.env));
    await this.flush();
    return roots;
  }

  async getProject(userId: string, history: HistoryPage): Promise<Result<{ project: ProjectView; session: SessionView; queue: QueueStats }>> {
    const project = this.owned(userId);
    if (project === null) return fail("not_found", this.notFoundMessage());
    return ok({ project, session: this.chain.view(project.id, project.branch, Date.now(), history), queue: this.stats() });
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
    const job = project === null ? null : this.jobs.view(jobId, project.id, project.branch);
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
    return project === null ? fail("not_found", this.notFoundMessage()) : ok(this.chain.view(project.id, project.branch, Date.now(), history));
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
    return ok(this.chain.view(project.id, project.branch, Date.now(), history));
  }

  /** A page of versions from Postgres: every branch's from main, this branch's from a branch. */
  async listVersions(userId: string, page: VersionPage): Promise<Result<{ versions: VersionView[]; next: number | null }>> {
    const project = this.owned(userId);
    if (project === null) return fail("not_found", this.notFoundMessage());
    if (!(await this.flush())) return fail("unavailable", "the version store is unavailable, try again");
    const branch = project.branch === MAIN_BRANCH ? null : project.branch;
    try {
      const rows = await this.withDb((db) => listVersions(db, project.id, page.after ?? 0, page.limit + 1, branch));
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

  /** The project (main) or branch, when `userId` owns it; a branch's latest version is its own. */
  private owned(userId: string): ProjectView | null {
    if (!this.hasSchema) return null;
    const project = this.meta.get();
    if (project === null || project.ownerUserId !== userId) return null;
    return project.branch === MAIN_BRANCH ? project : { ...project, latestVersionNumber: this.versions.latest() ?? 0 };
  }

  private branch(): string {
    return (this.hasSchema ? this.meta.identity()?.branch : undefined) ?? MAIN_BRANCH;
  }

  /** An object never set up knows its branch by its name (src/branches/names.ts). */
  private notFoundMessage(): string {
    const branch = (this.hasSchema ? this.meta.identity()?.branch : undefined) ?? branchOfObjectName(this.ctx.id.name);
    return branch === MAIN_BRANCH ? "project not found" : `branch ${branch} not found`;
  }

  private stub(branch: string): DurableObjectStub<ProjectDO> {
    const projectId = this.meta.get()?.id;
    if (projectId === undefined) throw new Error("no project");
    return this.env.PROJECT.getByName(branchObjectName(projectId, branch));
  }

  private branchView(project: ProjectView): BranchView {
    const identity = this.meta.identity();
    const chain = this.chain.get();
    return {
      name: project.branch,
      fromVersion: identity?.branchedFrom ?? null,
      createdAt: project.createdAt,
      latestVersionNumber: this.versions.latest(),
      headVersionNumber: chain.headVersionNumber,
      headSessionId: chain.headSessionId,
    };
  }

  /** A branch whose first (fork) job failed has nothing to build on. */
  private failedBranch(): boolean {
    const identity = this.meta.identity();
    if (identity === null || identity.branch === MAIN_BRANCH || this.chain.get().headSessionId !== null) return false;
    const first = this.versions.get(this.versions.numbers().sort((a, b) => a - b)[0] ?? 0);
    return first?.status === "failed";
  }

  private sourceOf(versionNumber: number, use: VersionUse): Promise<Result<ForkSource>> {
    const project = this.meta.get();
    if (project === null) return Promise.resolve(fail("not_found", "project not found"));
    // Main's versions whose job rows were pruned before the version table existed have no
    // row; their R2 pointer (written when they succeeded) still says what they left.
    const legacy = project.branch === MAIN_BRANCH && versionNumber <= project.latestVersionNumber && this.branches.branchOf(versionNumber) === null;
    return versionSource(this.versions.get(versionNumber), versionNumber, project.branch, use, new ArtifactStore(this.env.ARTIFACTS, project.id), legacy);
  }

  /** One enqueue at a time, so version numbers follow the queue's order. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.enqueueing.then(work, work);
    this.enqueueing = next.catch(() => undefined);
    return next;
  }

  /** The earlier job of this Idempotency-Key (a replay), a conflict, or null: a new request. */
  private async replay(project: ProjectView, idempotencyKey: string | null, prompt: string): Promise<Result<Accepted> | null> {
    if (idempotencyKey === null) return null;
    const existing = this.jobs.byIdempotencyKey(idempotencyKey);
    if (existing === null) return null;
    if (existing.promptHash !== (await sha256(prompt))) return fail("idempotency_conflict", "this Idempotency-Key was already used with a different request");
    return ok(this.accepted(project, existing, true));
  }

  private accepted(project: ProjectView, job: Pick<JobRecord, "id" | "versionId" | "versionNumber">, replayed: boolean): Accepted {
    const view = this.jobs.view(job.id, project.id, project.branch);
    if (view === null) throw new Error("accepted job vanished");
    return { project, branch: project.branch, job: view, version: { id: job.versionId, number: job.versionNumber }, replayed };
  }

  /** Main numbers its own versions; a branch asks main (numbers are per project). */
  private takeVersionNumber(project: ProjectView): Promise<number> {
    if (project.branch === MAIN_BRANCH) return Promise.resolve(this.meta.takeVersionNumber());
    return this.env.PROJECT.getByName(project.id).allocateVersion(project.branch);
  }

  private async enqueue(
    userId: string, kind: VersionKind, prompt: string, idempotencyKey: string | null,
    options: { source?: ForkSource; restoredFrom?: number; versionNumber?: number } = {},
  ): Promise<Accepted> {
    const promptHash = await sha256(prompt);
    const project = this.meta.get();
    if (project === null) throw new Error("enqueue before the project exists");
    const projectId = project.id;
    const versionNumber = options.versionNumber ?? (await this.takeVersionNumber(project));
    const now = Date.now();
    // Persist before acting: the job is in storage before anything else happens.
    const job = { id: newId("job"), versionId: newId("ver"), versionNumber, kind, prompt, userId, idempotencyKey, promptHash, source: options.source ?? null };
    this.jobs.insert(job, now);
    this.versions.insert({ number: versionNumber, id: job.versionId, kind, restoredFrom: options.restoredFrom ?? null }, now);
    this.outbox.push({
      op: "insert_version", id: job.versionId, projectId, versionNumber, kind, prompt, jobId: job.id,
      branch: project.branch, restoredFrom: options.restoredFrom ?? null,
    });
    this.events.append(job.id, "queued", { versionNumber }, now);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now);
    // No Postgres round trip on the acknowledgement path: the alarm, which fires at once
    // (or the running job's next step), sends the outbox; reads flush it first.
    // The version number was just taken, so it is the latest (of the project, or the branch).
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
    // an interruption of the job. Slots are held per branch object (the pool wakes it by name).
    const slot = await takeRunnerSlot(this.env, branchObjectName(project.id, project.branch), job);
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
    const context = this.jobContext(project, job, slot.name, budget, limits.runnerCallTimeoutMs);
    let suspended: Suspended | null = null;
    try {
      await this.ctx.storage.setAlarm(Date.now() + watchdogMs);
      if (job.status === "running") emit(context, "continued", { previousInvocationDied: start.previousDied, interruptions: start.interruptions });
      if (start.interruptions >= limits.maxInterruptions) await abandonJob(context, start.interruptions);
      else if (isForkJob(job)) await runForkJob(context);
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
    this.afterJob(project.id);
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

  /** After a job: the project's retention, when it is due (main decides; nothing waits for it). */
  private afterJob(projectId: string): void {
    if (versionRetention(this.env) === 0) return;
    const main = this.branch() === MAIN_BRANCH ? null : this.env.PROJECT.getByName(projectId);
    const run = main === null ? this.runRetention() : main.runRetention();
    this.ctx.waitUntil(run.then(() => undefined, (err: unknown) => console.error(`retention of ${projectId} failed`, err)));
  }

  private jobContext(project: ProjectView, job: JobRecord, slot: string, budget: Budget, callTimeoutMs: number): JobContext {
    const projectId = project.id;
    return {
      projectId,
      branch: project.branch,
      workspaceId: workspaceIdOf(projectId, project.branch),
      job,
      config: chainConfig(this.env),
      runner: runnerFor(this.env, slot, { callTimeoutMs, deadline: budget.deadline }),
      artifacts: new ArtifactStore(this.env.ARTIFACTS, projectId),
      leases: saveLeasesOf(this.branch() === MAIN_BRANCH ? this : this.env.PROJECT.getByName(projectId)),
      chain: this.chain,
      jobs: this.jobs,
      events: this.events,
      outbox: this.outbox,
      memory: this.memory,
      runs: this.runs,
      workspace: this.workspace,
      versions: this.versions,
      budget,
      policy: this.policy,
      policyConfig: policyConfig(this.env),
      metadataConfig: metadataConfig(this.env),
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
