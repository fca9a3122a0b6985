import type { CollectReport } from "../../artifacts/collect.ts";
import type { LeaseKeeper } from "../../artifacts/leases.ts";
import { ArtifactStore } from "../../artifacts/store.ts";
import { sweepUnderLease } from "../../artifacts/sweep.ts";
import { MAIN_BRANCH } from "../../branches/names.ts";
import { pruneBranch } from "../../branches/retention.ts";
import type { BranchRoots } from "../../branches/retention.ts";
import { retentionConfig, versionRetention } from "../../config.ts";
import type { ProjectState } from "../project-state.ts";

/** Retention runs over a whole project at most this often (after a job of any branch). */
const RETENTION_INTERVAL_MS = 60 * 60_000;
/**
 * Objects written less than this long ago are never collected: a job in flight (any branch)
 * may have saved a tree or transcript it has not recorded yet. Longer than any job lasts.
 */
const COLLECT_GRACE_MS = 24 * 60 * 60_000;

/** Runs work in the object's enqueue order (JobScheduler.serialized). */
export type Serialize = <T>(work: () => Promise<T>) => Promise<T>;

/** What a retention run did over the whole project. */
export interface RetentionReport {
  branches: number;
  prunedVersions: number;
  /** null: a save held the project's objects, the next run collects. */
  collected: CollectReport | null;
}

// Retention, the project coordinator's other half: every object prunes its own finished jobs
// and old versions; main runs the project's retention (every branch's roots, then R2's
// garbage) and any branch asks main to, after a job.
export class Retention implements LeaseKeeper {
  private readonly ctx: DurableObjectState;
  /** Read at each use: a test may point one instance at another database (test/worker/outbox.test.ts). */
  private readonly envOf: () => Env;
  private readonly state: ProjectState;

  private readonly serialized: Serialize;

  constructor(ctx: DurableObjectState, env: () => Env, state: ProjectState, serialized: Serialize) {
    this.ctx = ctx;
    this.envOf = env;
    this.state = state;
    this.serialized = serialized;
  }

  private get env(): Env {
    return this.envOf();
  }


  /** After a job: this object's own pruning, then the project's retention when it is due. */
  afterJob(projectId: string, now: number): void {
    this.prune(now);
    this.runWhenDue(projectId);
  }

  /** Retention: finished jobs and their events after JOB_RETENTION_DAYS; the newest history rows. */
  private prune(now: number): void {
    const retention = retentionConfig(this.env);
    this.state.policy.pruneFinished(now - retention.jobRetentionMs);
    this.state.jobs.pruneFinished(now - retention.jobRetentionMs);
    this.state.chain.trimHistory(retention.historyLimit);
  }

  /** The project's retention, when it is due (main decides; nothing waits for it). */
  private runWhenDue(projectId: string): void {
    if (versionRetention(this.env) === 0) return;
    const main = this.state.branch() === MAIN_BRANCH ? null : this.env.PROJECT.getByName(projectId);
    const run = main === null ? this.runProject() : main.runRetention();
    this.ctx.waitUntil(run.then(() => undefined, (err: unknown) => console.error(`retention of ${projectId} failed`, err)));
  }

  /**
   * Retention over the whole project (main only), at most every RETENTION_INTERVAL_MS unless
   * `force`: every branch prunes its old versions and reports what it still needs; then R2
   * objects nothing needs (and older than a day) are deleted. A branch that cannot be asked
   * stops the collection (its needs are unknown).
   */
  async runProject(now = Date.now(), force = false): Promise<RetentionReport | null> {
    const state = this.state;
    if (!state.hasSchema || state.branch() !== MAIN_BRANCH) return null;
    const last = state.meta.retentionRanAt();
    if (!force && last !== null && now - last < RETENTION_INTERVAL_MS) return null;
    state.meta.setRetentionRanAt(now);
    const project = state.meta.get();
    if (project === null) return null;
    // A branch whose creation was cut short (not ready) may still have an object and a head.
    // Gathered in main's enqueue order: a branch creation (source read, then the new object's
    // job that names it) is either wholly before the gathering, its job a root, or wholly
    // after it, when a pruned source answers 410 instead of being accepted and then lost.
    const { branches, roots } = await this.serialized(async () => {
      const recorded = state.branches.recorded();
      const gathered: BranchRoots[] = [await this.roots(now)];
      for (const branch of recorded) gathered.push(await state.stub(branch.name).retentionRoots(now));
      return { branches: recorded, roots: gathered };
    });
    await state.flush();
    const collected = await sweepUnderLease(state.leases, new ArtifactStore(this.env.ARTIFACTS, project.id), {
      treeHashes: new Set(roots.flatMap((r) => r.treeHashes)),
      sessionIds: new Set(roots.flatMap((r) => r.sessionIds)),
      versions: new Set(roots.flatMap((r) => r.versions)),
      known: new Set(roots.flatMap((r) => r.known)),
      legacyCutoff: now - versionRetention(this.env),
    }, now - COLLECT_GRACE_MS);
    const prunedVersions = roots.reduce((n, r) => n + r.pruned, 0);
    return { branches: branches.length + 1, prunedVersions, collected };
  }

  /** A save of any branch takes a lease on the project's R2 objects (src/artifacts/leases.ts); main keeps them. */
  async acquireSaveLease(holder: string): Promise<boolean> {
    return this.state.hasSchema && this.state.branch() === MAIN_BRANCH && this.state.leases.acquire("save", holder, Date.now());
  }

  async releaseSaveLease(holder: string): Promise<boolean> {
    return this.state.hasSchema && this.state.branch() === MAIN_BRANCH && this.state.leases.release(holder, Date.now());
  }

  /** Prunes this object's old versions and says what storage must keep for it. */
  async roots(now: number): Promise<BranchRoots> {
    const state = this.state;
    if (!state.hasSchema) return { treeHashes: [], sessionIds: [], versions: [], known: [], pruned: 0 };
    const roots = pruneBranch({ branch: state.branch(), versions: state.versions, chain: state.chain, jobs: state.jobs, outbox: state.outbox }, now, versionRetention(this.env));
    await state.flush();
    return roots;
  }
}
