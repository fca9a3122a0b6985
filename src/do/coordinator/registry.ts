import { MAIN_BRANCH } from "../../branches/names.ts";
import type { Result } from "../../domain/result.ts";
import { fail, ok } from "../../domain/result.ts";
import type { Accepted } from "../../domain/views.ts";
import type { ProjectState } from "../project-state.ts";
import type { JobScheduler } from "../scheduler/job-scheduler.ts";

/** A branch as the list shows it (from main's registry). */
export interface BranchSummary {
  name: string;
  fromVersion: number | null;
  /** Its first version (main: 1). */
  firstVersion: number;
  createdAt: string;
}

// Main's side of the project coordinator: the registry of the project's branches and the
// version numbers of the whole project (numbers are per project, whatever the branch).
// Only the project's main object has one (ProjectDO.coordinator()).
export class BranchRegistry {
  private readonly state: ProjectState;
  private readonly scheduler: JobScheduler;

  constructor(state: ProjectState, scheduler: JobScheduler) {
    this.state = state;
    this.scheduler = scheduler;
  }

  /** A version number for a branch's next version. */
  allocateVersion(branch: string): number {
    const number = this.state.meta.takeVersionNumber();
    this.state.branches.assign(number, branch);
    return number;
  }

  /** Which branch version `versionNumber` belongs to. */
  locateVersion(userId: string, versionNumber: number): Result<{ branch: string }> {
    const project = this.state.owned(userId);
    if (project === null) return fail("not_found", "project not found");
    if (versionNumber < 1 || versionNumber > project.latestVersionNumber) return fail("not_found", `version ${versionNumber} does not exist`);
    return ok({ branch: this.state.branches.branchOf(versionNumber) ?? MAIN_BRANCH });
  }

  /**
   * Creates branch `name` from version `fromVersion` (of any branch): its own object, with a
   * first version that is `fromVersion`'s files and a fork of its session. Nothing is written
   * until the request is known to be valid; a creation cut short is completed by the next try.
   */
  async createBranch(input: { userId: string; name: string; fromVersion: number }): Promise<Result<Accepted>> {
    return this.scheduler.serialized(async () => {
      const state = this.state;
      const project = state.owned(input.userId);
      if (project === null) return fail("not_found", "project not found");
      const existing = state.branches.get(input.name);
      if (input.name === MAIN_BRANCH || existing?.ready === true) return fail("conflict", `a branch named ${input.name} already exists`);
      if (existing !== null && existing.fromVersion !== input.fromVersion) {
        return fail("conflict", `a branch named ${input.name} is being made from version ${existing.fromVersion}`);
      }
      const located = this.locateVersion(input.userId, input.fromVersion);
      if (!located.ok) return located;
      const source = located.value.branch === MAIN_BRANCH
        ? await state.sourceOf(input.fromVersion, "branch")
        : await state.stub(located.value.branch).versionTree(input.userId, input.fromVersion, "branch");
      if (!source.ok) return source;
      let record = existing;
      if (record === null) {
        const firstVersion = state.meta.takeVersionNumber();
        state.branches.assign(firstVersion, input.name);
        record = { name: input.name, fromVersion: input.fromVersion, firstVersion, createdBy: input.userId, createdAt: Date.now(), ready: false };
        state.branches.insert(record);
      }
      const created = await state.stub(input.name).initBranch({
        projectId: project.id, ownerUserId: project.ownerUserId, projectName: project.name, branch: input.name, userId: input.userId,
        versionNumber: record.firstVersion, source: source.value,
      });
      if (!created.ok) {
        // The branch's object is set up already (its first job may be long pruned): the
        // branch is live, so its row stays and is completed; never removed here.
        state.branches.markReady(input.name);
        return created;
      }
      state.branches.markReady(input.name);
      return ok({ ...created.value, replayed: existing !== null });
    });
  }

  /** Main and every branch, by name, a page at a time (`after`: the last name seen). */
  listBranches(userId: string, page: { limit: number; after: string | null }): Result<{ branches: BranchSummary[]; next: string | null }> {
    const project = this.state.owned(userId);
    if (project === null) return fail("not_found", "project not found");
    const main: BranchSummary = { name: MAIN_BRANCH, fromVersion: null, firstVersion: 1, createdAt: project.createdAt };
    const others = this.state.branches.all().map((b): BranchSummary => ({ name: b.name, fromVersion: b.fromVersion, firstVersion: b.firstVersion, createdAt: new Date(b.createdAt).toISOString() }));
    const all = [main, ...others].sort((a, b) => (a.name < b.name ? -1 : 1)).filter((b) => page.after === null || b.name > page.after);
    const shown = all.slice(0, page.limit);
    return ok({ branches: shown, next: all.length > page.limit ? (shown.at(-1)?.name ?? null) : null });
  }
}
