import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { newId } from "../ids.ts";
import { requireUser } from "./auth.ts";
import type { AppEnv } from "./context.ts";
import { projectStub, unwrap } from "./context.ts";
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, NextCursor, PageQuery } from "./pagination.ts";
import { validationHook } from "./validation.ts";
import { acceptedJson, sessionJson } from "./views.ts";
import {
  Accepted, CreateProjectBody, errorResponses, IdempotencyHeaders, Job, JobParams, PatchProjectBody, Project,
  ProjectParams, QueueStats, Session, UpdateBody, Version,
} from "./schemas.ts";

const Position = z.number().int().nonnegative();
/** GET /:id and the reset answer carry the chain with the first page of its history. */
const FIRST_HISTORY_PAGE = { limit: DEFAULT_PAGE_SIZE, after: null };

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const security = [{ bearer: [] }];

export const projects = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
projects.use("*", requireUser);

projects.openapi(
  createRoute({
    method: "post", path: "/", security, summary: "Create a project; the AI builds it in the background",
    request: { body: { required: true, content: { "application/json": { schema: CreateProjectBody } } } },
    responses: { 202: json(Accepted, "Accepted: the build is queued"), ...errorResponses },
  }),
  async (c) => {
    const { name, prompt } = c.req.valid("json");
    const projectId = newId("prj");
    const result = await projectStub(c.env, projectId).createProject({ projectId, ownerUserId: c.get("userId"), name, prompt });
    return c.json(acceptedJson(unwrap(result)), 202);
  },
);

projects.openapi(
  createRoute({
    method: "post", path: "/{id}/updates", security, summary: "Queue an update; it resumes the project's session",
    request: { params: ProjectParams, headers: IdempotencyHeaders, body: { required: true, content: { "application/json": { schema: UpdateBody } } } },
    responses: { 202: json(Accepted, "Accepted: the update is queued"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { prompt } = c.req.valid("json");
    const key = c.req.valid("header")["idempotency-key"] ?? null;
    const result = await projectStub(c.env, id).enqueueUpdate({ userId: c.get("userId"), prompt, idempotencyKey: key });
    const accepted = unwrap(result);
    if (accepted.replayed) c.header("idempotent-replayed", "true");
    return c.json(acceptedJson(accepted), 202);
  },
);

projects.openapi(
  createRoute({
    method: "get", path: "/{id}", security, summary: "A project with its session summary and queue",
    request: { params: ProjectParams },
    responses: {
      200: json(z.object({ project: Project, session: Session, queue: QueueStats }), "The project"),
      ...errorResponses,
    },
  }),
  async (c) => {
    const { project, session, queue } = unwrap(await projectStub(c.env, c.req.valid("param").id).getProject(c.get("userId"), FIRST_HISTORY_PAGE));
    return c.json({ project, session: sessionJson(session), queue }, 200);
  },
);

projects.openapi(
  createRoute({
    method: "patch", path: "/{id}", security, summary: "Set the project's resume override and session policy",
    request: { params: ProjectParams, body: { required: true, content: { "application/json": { schema: PatchProjectBody } } } },
    responses: { 200: json(Project, "The project"), ...errorResponses },
  }),
  async (c) => {
    const { resumeEnabled, sessionPolicy } = c.req.valid("json");
    const patch = { ...(resumeEnabled !== undefined ? { resumeEnabled } : {}), ...(sessionPolicy !== undefined ? { sessionPolicy } : {}) };
    return c.json(unwrap(await projectStub(c.env, c.req.valid("param").id).updateSettings(c.get("userId"), patch)), 200);
  },
);

projects.openapi(
  createRoute({
    method: "get", path: "/{id}/versions", security, summary: "The project's versions, oldest first, a page at a time",
    request: { params: ProjectParams, query: PageQuery },
    responses: { 200: json(z.object({ versions: z.array(Version), nextCursor: NextCursor }), "Versions"), ...errorResponses },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const page = { limit, after: decodeCursor(cursor, "versions", Position) };
    const { versions, next } = unwrap(await projectStub(c.env, c.req.valid("param").id).listVersions(c.get("userId"), page));
    return c.json({ versions, nextCursor: encodeCursor("versions", next) }, 200);
  },
);

projects.openapi(
  createRoute({
    method: "get", path: "/{id}/jobs/{jobId}", security, summary: "A job's state",
    request: { params: JobParams },
    responses: { 200: json(Job, "The job"), ...errorResponses },
  }),
  async (c) => {
    const { id, jobId } = c.req.valid("param");
    return c.json(unwrap(await projectStub(c.env, id).getJob(c.get("userId"), jobId)), 200);
  },
);

projects.openapi(
  createRoute({
    method: "get", path: "/{id}/session", security, summary: "The session chain: head, age, health and a page of its history",
    request: { params: ProjectParams, query: PageQuery },
    responses: { 200: json(Session, "The session chain"), ...errorResponses },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const page = { limit, after: decodeCursor(cursor, "history", Position) };
    return c.json(sessionJson(unwrap(await projectStub(c.env, c.req.valid("param").id).getSession(c.get("userId"), page))), 200);
  },
);

projects.openapi(
  createRoute({
    method: "post", path: "/{id}/session/reset", security, summary: "Start the next update in a fresh session",
    request: { params: ProjectParams },
    responses: { 200: json(Session, "The session chain, reset pending"), ...errorResponses },
  }),
  async (c) => c.json(sessionJson(unwrap(await projectStub(c.env, c.req.valid("param").id).resetSession(c.get("userId"), FIRST_HISTORY_PAGE))), 200),
);
