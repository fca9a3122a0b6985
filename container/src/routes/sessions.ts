// Transcript endpoints. Lookups only ever search the project's own config dir, so a
// session is never served for (or imported into) another project.
import { projectParam, sessionParam, withProjectLock } from "../app.ts";
import type { Route } from "../app.ts";
import { HttpError } from "../errors.ts";
import { readBody, sendEmpty, sendJson } from "../http.ts";
import type { SessionInfoResponse } from "../protocol.ts";
import { checkTranscript, findTranscript, readTranscript, writeTranscript } from "../transcripts.ts";

const SESSION_PATH = /^\/v1\/projects\/(?<projectId>[^/]+)\/sessions\/(?<sessionId>[^/]+)$/;
const TRANSCRIPT_PATH = /^\/v1\/projects\/(?<projectId>[^/]+)\/sessions\/(?<sessionId>[^/]+)\/transcript$/;

function notFound(sessionId: string): HttpError {
  return new HttpError(404, "session_not_found", `no transcript for session ${sessionId} in this project`);
}

export const sessionRoutes: Route[] = [
  {
    method: "GET",
    pattern: SESSION_PATH,
    handle: async (ctx) => {
      const { paths } = projectParam(ctx);
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
      const { paths } = projectParam(ctx);
      const sessionId = sessionParam(ctx);
      const found = await findTranscript(paths, sessionId);
      if (found === null) throw notFound(sessionId);
      const text = await readTranscript(found);
      ctx.res.writeHead(200, { "content-type": "application/x-ndjson", "content-length": Buffer.byteLength(text) });
      ctx.res.end(text);
    },
  },
  {
    method: "PUT",
    pattern: TRANSCRIPT_PATH,
    handle: async (ctx) => {
      const { projectId, paths } = projectParam(ctx);
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
      await withProjectLock(ctx, projectId, "transcript-import", () => writeTranscript(paths, sessionId, text));
      sendEmpty(ctx.res, 204);
    },
  },
];
