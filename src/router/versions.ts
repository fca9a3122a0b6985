import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { ProjectDO } from "../do/project-do.ts";
import { requireUser } from "./auth.ts";
import { Pin, VersionParams } from "./branch-schemas.ts";
import type { AppEnv } from "./context.ts";
import { branchStub, projectStub, unwrap } from "./context.ts";
import { Accepted, errorResponses, IdempotencyHeaders, stateResponses } from "./schemas.ts";
import { validationHook } from "./validation.ts";
import { acceptedJson } from "./views.ts";

// Acting on one version: restore it (a new version of its branch with its files and a fork
// of its session) or pin it (retention keeps it). A number names one version of the
// project, so the route finds the version's branch first (main keeps that map).

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const security = [{ bearer: [] }];

export const versions = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
versions.use("*", requireUser);

/** The Durable Object of the branch version `n` belongs to (404 when the project or version does not exist). */
export async function versionOwner(env: Env, projectId: string, userId: string, n: number): Promise<DurableObjectStub<ProjectDO>> {
  const located = unwrap(await projectStub(env, projectId).locateVersion(userId, n));
  return branchStub(env, projectId, located.branch);
}

versions.openapi(
  createRoute({
    method: "post", path: "/{id}/versions/{n}/restore", security,
    summary: "Restore a version: a new version of its branch with exactly its files and a fork of its final session",
    request: { params: VersionParams, headers: IdempotencyHeaders },
    responses: { 202: json(Accepted, "Accepted: the restore is queued"), ...errorResponses, ...stateResponses },
  }),
  async (c) => {
    const { id, n } = c.req.valid("param");
    const userId = c.get("userId");
    const key = c.req.valid("header")["idempotency-key"] ?? null;
    const accepted = unwrap(await (await versionOwner(c.env, id, userId, n)).enqueueRestore({ userId, versionNumber: n, idempotencyKey: key }));
    if (accepted.replayed) c.header("idempotent-replayed", "true");
    return c.json(acceptedJson(accepted), 202);
  },
);

for (const [method, pinned] of [["post", true], ["delete", false]] as const) {
  versions.openapi(
    createRoute({
      method, path: "/{id}/versions/{n}/pin", security,
      summary: pinned ? "Pin a version: retention never prunes it" : "Unpin a version: retention may prune it once it is old",
      request: { params: VersionParams },
      responses: { 200: json(Pin, "The version's pin"), ...errorResponses, ...stateResponses },
    }),
    async (c) => {
      const { id, n } = c.req.valid("param");
      const userId = c.get("userId");
      return c.json(unwrap(await (await versionOwner(c.env, id, userId, n)).pinVersion(userId, n, pinned)), 200);
    },
  );
}
