import { branchObjectName } from "../branches/names.ts";
import type { Result } from "../domain/result.ts";
import { fromDomain } from "./errors.ts";

export type AppEnv = { Bindings: Env; Variables: { userId: string } };

/** The value of a DO result, or the matching HttpError thrown to app.onError. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw fromDomain(result.error);
}

export function projectStub(env: Env, projectId: string): DurableObjectStub<import("../do/project-do.ts").ProjectDO> {
  return env.PROJECT.getByName(projectId);
}

/** The Durable Object of one branch of a project (main: the project's own). */
export function branchStub(env: Env, projectId: string, branch: string): DurableObjectStub<import("../do/project-do.ts").ProjectDO> {
  return env.PROJECT.getByName(branchObjectName(projectId, branch));
}
