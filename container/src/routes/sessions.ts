// Transcript endpoints. Lookups only ever search the workspace's own config dir, so a
// session is never served for (or imported into) another project.
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { sessionParam, withWorkspaceLock, workspaceParam } from "../app.ts";
import type { Route } from "../app.ts";
import { HttpError } from "../errors.ts";
import { readBody, sendEmpty, sendJson } from "../http.ts";
import type { SessionInfoResponse } from "../protocol.ts";
import { checkTranscript, findTranscript, writeTranscript } from "../transcripts.ts";

const SESSION_PATH = /^\/v1\/workspaces\/(?<workspaceId>[^/]+)\/sessions\/(?<sessionId>[^/]+)$/;
const TRANSCRIPT_PATH = /^\/v1\/workspaces\/(?<workspaceId>[^/]+)\/sessions\/(?<sessionId>[^/]+)\/transcript$/;

function notFound(sessionId: string): HttpError {
  return new HttpError(404, "session_not_found", `no transcript for session ${sessionId} in this project`);
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
      const sessionId = sessionParam(ctx);
      const found = await findTranscript(paths, sessionId);
      if (found === null) throw notFound(sessionId);
      // Streamed with its length, so the caller can pass it on to R2 without holding it.
      ctx.res.writeHead(200, { "content-type": "application/x-ndjson", "content-length": found.bytes });
      await pipeline(createReadStream(found.path, { start: 0, end: Math.max(0, found.bytes - 1) }), ctx.res);
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
      const check = checkTranscript(text, sessionId, false);
      if (!check.ok) throw new HttpError(400, "bad_request", `invalid transcript: ${check.reason}`);
      await withWorkspaceLock(ctx, workspaceId, "transcript-import", () => writeTranscript(paths, sessionId, text));
      sendEmpty(ctx.res, 204);
    },
  },
];
