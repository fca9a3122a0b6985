import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { BRANCH_NAME } from "../branches/names.ts";
import { requireUser } from "./auth.ts";
import { Branch, BranchJobParams, BranchParams, BranchSummary, CreateBranchBody } from "./branch-schemas.ts";
import type { AppEnv } from "./context.ts";
import { branchStub, projectStub, unwrap } from "./context.ts";
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, NextCursor, PageQuery } from "./pagination.ts";
import { Accepted, errorResponses, IdempotencyHeaders, Job, ProjectParams, Session, stateResponses, UpdateBody, Version } from "./schemas.ts";
import { validationHook } from "./validation.ts";
import { acceptedJson, sessionJson } from "./views.ts";

// Branches: each is its own Durable Object (serialized queue and session chain) and runner
// workspace; `main` is the project itself, so /branches/main/… is the same as the project
// routes. Version numbers are per project (main hands them out), so a number names one
// version whatever its branch.

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const security = [{ bearer: [] }];
const Position = z.number().int().nonnegative();
const Name = z.string().regex(BRANCH_NAME);

export const branches = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
branches.use("*", requireUser);

branches.openapi(
  createRoute({
    method: "post", path: "/{id}/branches", security, summary: "Create a branch from a version: its files and a fork of its session",
    request: { params: ProjectParams, body: { required: true, content: { "application/json": { schema: CreateBranchBody } } } },
    responses: { 202: json(Accepted, "Accepted: the branch's first version is queued"), ...errorResponses, ...stateResponses },
  }),
  async (c) => {
    const { name, fromVersion } = c.req.valid("json");
    const accepted = unwrap(await projectStub(c.env, c.req.valid("param").id).createBranch({ userId: c.get("userId"), name, fromVersion }));
    return c.json(acceptedJson(accepted), 202);
  },
);

branches.openapi(
  createRoute({
    method: "get", path: "/{id}/branches", security, summary: "The project's branches (main included), by name, a page at a time",
    request: { params: ProjectParams, query: PageQuery },
    responses: { 200: json(z.object({ branches: z.array(BranchSummary), nextCursor: NextCursor }), "Branches"), ...errorResponses },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const page = { limit, after: decodeCursor(cursor, "branches", Name) };
    const { branches: list, next } = unwrap(await projectStub(c.env, c.req.valid("param").id).listBranches(c.get("userId"), page));
    return c.json({ branches: list, nextCursor: encodeCursor("branches", next) }, 200);
  },
);

branches.openapi(
  createRoute({
    method: "get", path: "/{id}/branches/{branch}", security, summary: "A branch: where it came from, its head session and its queue",
    request: { params: BranchParams },
    responses: { 200: json(Branch, "The branch"), ...errorResponses },
  }),
  async (c) => {
    const { id, branch } = c.req.valid("param");
    const view = unwrap(await branchStub(c.env, id, branch).getBranch(c.get("userId"), { limit: DEFAULT_PAGE_SIZE, after: null }));
    return c.json({ branch: view.branch, session: sessionJson(view.session), queue: view.queue }, 200);
  },
);

branches.openapi(
  createRoute({
    method: "post", path: "/{id}/branches/{branch}/updates", security, summary: "Queue an update on a branch; it resumes the branch's session",
    request: { params: BranchParams, headers: IdempotencyHeaders, body: { required: true, content: { "application/json": { schema: UpdateBody } } } },
    responses: { 202: json(Accepted, "Accepted: the update is queued"), ...errorResponses, ...stateResponses },
  }),
  async (c) => {
    const { id, branch } = c.req.valid("param");
    const key = c.req.valid("header")["idempotency-key"] ?? null;
    const accepted = unwrap(await branchStub(c.env, id, branch).enqueueUpdate({ userId: c.get("userId"), prompt: c.req.valid("json").prompt, idempotencyKey: key }));
    if (accepted.replayed) c.header("idempotent-replayed", "true");
    return c.json(acceptedJson(accepted), 202);
  },
);

branches.openapi(
  createRoute({
    method: "get", path: "/{id}/branches/{branch}/versions", security, summary: "A branch's versions, oldest first, a page at a time",
    request: { params: BranchParams, query: PageQuery },
    responses: { 200: json(z.object({ versions: z.array(Version), nextCursor: NextCursor }), "Versions"), ...errorResponses },
  }),
  async (c) => {
    const { id, branch } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    const page = { limit, after: decodeCursor(cursor, "versions", Position) };
    const { versions, next } = unwrap(await branchStub(c.env, id, branch).listVersions(c.get("userId"), page));
    return c.json({ versions, nextCursor: encodeCursor("versions", next) }, 200);
  },
);

branches.openapi(
  createRoute({
    method: "get", path: "/{id}/branches/{branch}/session", security, summary: "A branch's session chain",
    request: { params: BranchParams, query: PageQuery },
    responses: { 200: json(Session, "The session chain"), ...errorResponses },
  }),
  async (c) => {
    const { id, branch } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    const page = { limit, after: decodeCursor(cursor, "history", Position) };
    return c.json(sessionJson(unwrap(await branchStub(c.env, id, branch).getSession(c.get("userId"), page))), 200);
  },
);

branches.openapi(
  createRoute({
    method: "get", path: "/{id}/branches/{branch}/jobs/{jobId}", security, summary: "A job of a branch",
    request: { params: BranchJobParams },
    responses: { 200: json(Job, "The job"), ...errorResponses },
  }),
  async (c) => {
    const { id, branch, jobId } = c.req.valid("param");
    return c.json(unwrap(await branchStub(c.env, id, branch).getJob(c.get("userId"), jobId)), 200);
  },
);
