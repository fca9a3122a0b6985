// Transcript endpoints. Lookups only ever search the workspace's own config dir, so a
// session is never served for (or imported into) another project.
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { sessionParam, withWorkspaceLock, workspaceParam } from "../app.ts";
import type { Route, RouteContext } from "../app.ts";
import { HttpError } from "../errors.ts";
import { readBody, sendEmpty, sendJson } from "../http.ts";
import type { ProjectPaths } from "../paths.ts";
import { SessionId, TRANSCRIPT_BYTES_HEADER, TRANSCRIPT_CONTENT_TYPE, TRANSCRIPT_DELTA_CONTENT_TYPE } from "../protocol.ts";
import type { ForkSessionResponse, SessionInfoResponse } from "../protocol.ts";
import { applyDelta, computeDelta, DeltaError, readDeltaHeader } from "../transcript-delta.ts";
import { forkTranscript, recordedCwds } from "../transcript-fork.ts";
import { checkTranscript, findTranscript, writeTranscript } from "../transcripts.ts";

const SESSION_PATH = /^\/v1\/workspaces\/(?<workspaceId>[^/]+)\/sessions\/(?<sessionId>[^/]+)$/;
const TRANSCRIPT_PATH = /^\/v1\/workspaces\/(?<workspaceId>[^/]+)\/sessions\/(?<sessionId>[^/]+)\/transcript$/;
const FORK_PATH = /^\/v1\/workspaces\/(?<workspaceId>[^/]+)\/sessions\/(?<sessionId>[^/]+)\/fork$/;

function notFound(sessionId: string): HttpError {
  return new HttpError(404, "session_not_found", `no transcript for session ${sessionId} in this project`);
}

async function readTranscript(paths: ProjectPaths, sessionId: string): Promise<string | null> {
  const found = await findTranscript(paths, sessionId);
  return found === null ? null : readFile(found.path, "utf8");
}

/** Paths a fork into this workspace rewrote: the parent's recorded workspace → the child's. */
function movedWorkspaces(parent: string, child: string): [string, string][] {
  const into = [...recordedCwds(child)];
  const target = into.length === 1 ? into[0] : undefined;
  if (target === undefined) return [];
  return [...recordedCwds(parent)].filter((cwd) => cwd !== target).map((cwd): [string, string] => [cwd, target]);
}

/**
 * `?base=<session>`: the transcript as a delta from that session's, when the workspace has
 * it and the delta is smaller; otherwise (and without `base`) the whole transcript, streamed.
 */
async function sendTranscript(ctx: RouteContext, paths: ProjectPaths, sessionId: string): Promise<void> {
  const found = await findTranscript(paths, sessionId);
  if (found === null) throw notFound(sessionId);
  const base = new URL(ctx.req.url ?? "/", "http://runner").searchParams.get("base");
  if (base !== null && !SessionId.safeParse(base).success) throw new HttpError(400, "bad_request", "base must be a session id");
  const parent = base === null || base === sessionId ? null : await readTranscript(paths, base);
  if (parent !== null && base !== null) {
    const text = await readFile(found.path, "utf8");
    const delta = computeDelta({ sessionId: base, text: parent }, { sessionId, text }, movedWorkspaces(parent, text));
    if (delta !== null) {
      const body = Buffer.from(delta, "utf8");
      ctx.res.writeHead(200, { "content-type": TRANSCRIPT_DELTA_CONTENT_TYPE, "content-length": body.length, [TRANSCRIPT_BYTES_HEADER]: Buffer.byteLength(text, "utf8") });
      ctx.res.end(body);
      return;
    }
  }
  // Streamed with its length, so the caller can pass it on to R2 without holding it.
  ctx.res.writeHead(200, { "content-type": TRANSCRIPT_CONTENT_TYPE, "content-length": found.bytes, [TRANSCRIPT_BYTES_HEADER]: found.bytes });
  await pipeline(createReadStream(found.path, { start: 0, end: Math.max(0, found.bytes - 1) }), ctx.res);
}

/** A delta body rebuilt against its parent, which must be in this workspace. */
async function rebuild(paths: ProjectPaths, sessionId: string, delta: string): Promise<string> {
  let parentId: string;
  try {
    const header = readDeltaHeader(delta);
    if (header.sessionId !== sessionId) throw new HttpError(400, "bad_request", "the delta is for another session");
    parentId = header.parentSessionId;
  } catch (err) {
    if (err instanceof DeltaError) throw new HttpError(400, "bad_request", `invalid delta: ${err.message}`);
    throw err;
  }
  const parent = await readTranscript(paths, parentId);
  if (parent === null) throw new HttpError(404, "session_not_found", `the delta's parent session ${parentId} is not in this workspace`);
  try {
    return applyDelta(parent, delta).text;
  } catch (err) {
    if (err instanceof DeltaError) throw new HttpError(422, "transcript_mismatch", err.message);
    throw err;
  }
}

export const sessionRoutes: Route[] = [
  {
    method: "GET",
    pattern: SESSION_PATH,
    handle: async (ctx) => {
      const { paths } = workspaceParam(ctx);
      const sessionId = sessionParam(ctx);
      const found = await findTranscript(paths, sessionId);
      if (found === null) throw notFound(sessionId);
      const body: SessionInfoResponse = { sessionId, transcriptBytes: found.bytes };
      sendJson(ctx.res, 200, body);
    },
  },
  {
    method: "GET",
    pattern: TRANSCRIPT_PATH,
    handle: async (ctx) => {
      const { paths } = workspaceParam(ctx);
      await sendTranscript(ctx, paths, sessionParam(ctx));
    },
  },
  {
    method: "PUT",
    pattern: TRANSCRIPT_PATH,
    handle: async (ctx) => {
      const { workspaceId, paths } = workspaceParam(ctx);
      const sessionId = sessionParam(ctx);
      const body = await readBody(ctx.req, ctx.app.config.maxTranscriptBytes);
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(body);
      } catch {
        throw new HttpError(400, "bad_request", "invalid transcript: not UTF-8");
      }
      const isDelta = (ctx.req.headers["content-type"] ?? "").startsWith(TRANSCRIPT_DELTA_CONTENT_TYPE);
      await withWorkspaceLock(ctx, workspaceId, "transcript-import", async () => {
        const transcript = isDelta ? await rebuild(paths, sessionId, text) : text;
        const check = checkTranscript(transcript, sessionId, false);
        if (!check.ok) throw new HttpError(400, "bad_request", `invalid transcript: ${check.reason}`);
        await writeTranscript(paths, sessionId, transcript);
      });
      sendEmpty(ctx.res, 204);
    },
  },
  {
    method: "POST",
    pattern: FORK_PATH,
    handle: async (ctx) => {
      const { workspaceId, paths } = workspaceParam(ctx);
      const sessionId = sessionParam(ctx);
      const body = await withWorkspaceLock(ctx, workspaceId, "session-fork", async (): Promise<ForkSessionResponse> => {
        const text = await readTranscript(paths, sessionId);
        if (text === null) throw notFound(sessionId);
        const check = checkTranscript(text, sessionId, true);
        if (!check.ok) throw new HttpError(422, "transcript_mismatch", `the transcript of ${sessionId} cannot be forked: ${check.reason}`);
        const forkedId = randomUUID();
        const forked = forkTranscript(text, sessionId, forkedId, paths.workspace);
        const forkedCheck = checkTranscript(forked, forkedId, true);
        if (!forkedCheck.ok) throw new HttpError(422, "transcript_mismatch", `the fork of ${sessionId} is unusable: ${forkedCheck.reason}`);
        await writeTranscript(paths, forkedId, forked);
        return { sessionId: forkedId, forkedFrom: sessionId, transcriptBytes: Buffer.byteLength(forked.endsWith("\n") ? forked : `${forked}\n`, "utf8") };
      });
      sendJson(ctx.res, 201, body);
    },
  },
];
