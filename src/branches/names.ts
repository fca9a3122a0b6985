import { BRANCH_NAME_PATTERN } from "../db/schema.ts";

// How a branch is named and where it lives. Every project starts with `main`, which is the
// project's own Durable Object and workspace, so every route that predates branches works
// unchanged; any other branch has an object and a runner workspace of its own.

export const MAIN_BRANCH = "main";

export const BRANCH_NAME = new RegExp(BRANCH_NAME_PATTERN);

/** The Durable Object name of a branch: a project id never contains ":". */
export function branchObjectName(projectId: string, branch: string): string {
  return branch === MAIN_BRANCH ? projectId : `${projectId}:${branch}`;
}

/** The branch an object name is of (the inverse of branchObjectName); main when unnamed. */
export function branchOfObjectName(name: string | undefined): string {
  const at = name?.indexOf(":") ?? -1;
  return name === undefined || at < 0 ? MAIN_BRANCH : name.slice(at + 1);
}

/** The runner workspace of a branch: a project id never contains "-" (runner WorkspaceId, at most 69 characters). */
export function workspaceIdOf(projectId: string, branch: string): string {
  return branch === MAIN_BRANCH ? projectId : `${projectId}-${branch}`;
}
