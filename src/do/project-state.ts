import { ArtifactLeases } from "../artifacts/leases.ts";
import { ArtifactStore } from "../artifacts/store.ts";
import { branchObjectName, branchOfObjectName, MAIN_BRANCH } from "../branches/names.ts";
import { versionSource } from "../branches/version-source.ts";
import type { VersionUse } from "../branches/version-source.ts";
import { withDb } from "../db/client.ts";
import type { Db, OpenDb } from "../db/client.ts";
import type { Result } from "../domain/result.ts";
import { fail } from "../domain/result.ts";
import type { ProjectView } from "../domain/views.ts";
import { flushOutbox } from "./flush.ts";
import type { ProjectDO } from "./project-do.ts";
import { BranchStore } from "./storage/branches.ts";
import { ChainStore } from "./storage/chain.ts";
import { DevClock, devClockEnabled } from "./storage/clock.ts";
import { EventStore } from "./storage/events.ts";
import { JobStore } from "./storage/jobs.ts";
import type { ForkSource } from "./storage/jobs.ts";
import { MemoryStore } from "./storage/memory.ts";
import { MetaStore } from "./storage/meta.ts";
import { OutboxStore } from "./storage/outbox.ts";
import { PolicyStore } from "./storage/policy.ts";
import { RunStore } from "./storage/runs.ts";
import { migrate, schemaExists } from "./storage/schema.ts";
import { VersionStore } from "./storage/versions.ts";
import { WorkspaceStore } from "./storage/workspace.ts";

// One project (or branch) object's storage and the few questions every room asks of it:
// who owns it, which branch it is, where a version's files are, and the outbox to Postgres.
// The RPC facade (project-do.ts), the job scheduler (scheduler/) and the project
// coordinator (coordinator/) share one of these.
export class ProjectState {
  readonly meta: MetaStore;
  readonly jobs: JobStore;
  readonly chain: ChainStore;
  readonly events: EventStore;
  readonly outbox: OutboxStore;
  readonly clock: DevClock;
  readonly memory: MemoryStore;
  readonly runs: RunStore;
  readonly workspace: WorkspaceStore;
  readonly versions: VersionStore;
  /** Main only: the project's other branches, and which branch each version number went to. */
  readonly branches: BranchStore;
  readonly policy: PolicyStore;
  /** Main only: the leases saves and sweeps take on the project's R2 objects (src/artifacts/leases.ts). */
  readonly leases: ArtifactLeases;
  /** One Postgres pool for the whole job (its flushes and ownership checks), closed after it. */
  jobDb: OpenDb | null = null;
  /** Only a created project has a schema: reading an unknown project id writes nothing. */
  hasSchema: boolean;
  private readonly ctx: DurableObjectState;
  /** Read at each use: a test may point one instance at another database (test/worker/outbox.test.ts). */
  private readonly envOf: () => Env;
  private flushing: Promise<boolean> = Promise.resolve(true);

  constructor(ctx: DurableObjectState, env: () => Env) {
    this.ctx = ctx;
    this.envOf = env;
    const sql = ctx.storage.sql;
    this.hasSchema = schemaExists(sql);
    // Setup only: no I/O beyond this object's own storage.
    if (this.hasSchema) void ctx.blockConcurrencyWhile(async () => migrate(sql));
    this.meta = new MetaStore(sql);
    this.jobs = new JobStore(sql);
    this.chain = new ChainStore(sql);
    this.events = new EventStore(sql);
    this.outbox = new OutboxStore(sql);
    this.clock = new DevClock(ctx.storage.kv, devClockEnabled(env()));
    this.memory = new MemoryStore(sql);
    this.runs = new RunStore(sql);
    this.workspace = new WorkspaceStore(sql);
    this.versions = new VersionStore(sql);
    this.branches = new BranchStore(sql);
    this.policy = new PolicyStore(sql);
    this.leases = new ArtifactLeases(sql);
  }

  private get env(): Env {
    return this.envOf();
  }


  /** Tables are made on the first create (of the project or of a branch). */
  ensureSchema(): void {
    if (this.hasSchema) return;
    migrate(this.ctx.storage.sql);
    this.hasSchema = true;
  }

  /** The project (main) or branch, when `userId` owns it; a branch's latest version is its own. */
  owned(userId: string): ProjectView | null {
    if (!this.hasSchema) return null;
    const project = this.meta.get();
    if (project === null || project.ownerUserId !== userId) return null;
    return project.branch === MAIN_BRANCH ? project : { ...project, latestVersionNumber: this.versions.latest() ?? 0 };
  }

  branch(): string {
    return (this.hasSchema ? this.meta.identity()?.branch : undefined) ?? MAIN_BRANCH;
  }

  /** An object never set up knows its branch by its name (src/branches/names.ts). */
  notFoundMessage(): string {
    const branch = (this.hasSchema ? this.meta.identity()?.branch : undefined) ?? branchOfObjectName(this.ctx.id.name);
    return branch === MAIN_BRANCH ? "project not found" : `branch ${branch} not found`;
  }

  stub(branch: string): DurableObjectStub<ProjectDO> {
    const projectId = this.meta.get()?.id;
    if (projectId === undefined) throw new Error("no project");
    return this.env.PROJECT.getByName(branchObjectName(projectId, branch));
  }

  sourceOf(versionNumber: number, use: VersionUse): Promise<Result<ForkSource>> {
    const project = this.meta.get();
    if (project === null) return Promise.resolve(fail("not_found", "project not found"));
    // Main's versions whose job rows were pruned before the version table existed have no
    // row; their R2 pointer (written when they succeeded) still says what they left.
    const legacy = project.branch === MAIN_BRANCH && versionNumber <= project.latestVersionNumber && this.branches.branchOf(versionNumber) === null;
    return versionSource(this.versions.get(versionNumber), versionNumber, project.branch, use, new ArtifactStore(this.env.ARTIFACTS, project.id), legacy);
  }

  /** The running job's pool when there is one, else a pool for just this piece of work. */
  withDb<T>(work: (db: Db) => Promise<T>): Promise<T> {
    return this.jobDb !== null ? work(this.jobDb.db) : withDb(this.env, work);
  }

  /** One flush at a time: an RPC and the alarm must not send the same rows twice. */
  flush(): Promise<boolean> {
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
