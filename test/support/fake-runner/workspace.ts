// The fake runner's workspace endpoints: fingerprint, tree (manifest), blobs by sha256,
// tree import, transcripts. Same rules as the real runner: uploaded blobs are checked
// against their name, an import must hash to its manifest's tree hash.
import { createHash, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { toFingerprint, treeHash } from "../../../container/src/fingerprint.ts";
import { MissingBlobsRequest, TRANSCRIPT_BYTES_HEADER, TRANSCRIPT_DELTA_CONTENT_TYPE, TreeManifest } from "../../../container/src/protocol.ts";
import { applyDelta, computeDelta, DeltaError, readDeltaHeader } from "../../../container/src/transcript-delta.ts";
import { forkTranscript } from "../../../container/src/transcript-fork.ts";
import { body, bytes, errorBody, json } from "./http.ts";
import type { WorkspaceState } from "./state.ts";
import { hashes, manifestOf } from "./state.ts";

const sha256 = (content: Buffer): string => createHash("sha256").update(content).digest("hex");

/** parts: the path after /v1/workspaces/:id/ split on "/". */
export async function workspaceRoute(ws: WorkspaceState, parts: string[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [what, arg, sub] = parts;
  const method = req.method ?? "GET";
  if (what === undefined && method === "GET") return json(res, 200, { fingerprint: toFingerprint(hashes(ws.files), ws.files.size === 0 ? null : ws.previous) });
  if (what === "tree" && method === "GET") {
    if (ws.busy !== null) return json(res, 409, errorBody("busy", "run in progress"));
    // Like the real runner, remember where each blob of the listed tree is.
    ws.listed = new Map([...ws.files.values()].map((c) => [sha256(c), c]));
    return json(res, 200, manifestOf(ws.files));
  }
  if (what === "tree" && method === "PUT") return importTree(ws, req, res);
  if (what === "blobs" && arg === "missing" && method === "POST") {
    const wanted = MissingBlobsRequest.parse(JSON.parse(await body(req))).sha256;
    const have = new Set([...ws.files.values()].map(sha256));
    return json(res, 200, { missing: [...new Set(wanted)].filter((h) => !have.has(h) && !ws.blobs.has(h)) });
  }
  if (what === "blobs" && arg !== undefined && method === "GET") {
    const content = ws.blobs.get(arg) ?? ws.listed.get(arg);
    if (content === undefined) return json(res, 404, errorBody("blob_not_found", "no such blob"));
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": content.length });
    return void res.end(content);
  }
  if (what === "blobs" && arg !== undefined && method === "PUT") {
    const content = await bytes(req);
    if (sha256(content) !== arg) return json(res, 400, errorBody("bad_request", "blob content does not match its sha256"));
    ws.blobs.set(arg, content);
    res.writeHead(204);
    return void res.end();
  }
  if (what === "sessions" && arg !== undefined) return sessionRoute(ws, arg, sub, req, res);
  return json(res, 404, errorBody("not_found", "no such route"));
}

async function importTree(ws: WorkspaceState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (ws.busy !== null) return json(res, 409, errorBody("busy", "run in progress"));
  const manifest = TreeManifest.parse(JSON.parse(await body(req)));
  ws.imports += 1;
  if (ws.refuseImports.count > 0) {
    ws.refuseImports.count -= 1;
    return json(res, ws.refuseImports.status, errorBody("internal", "scripted refusal"));
  }
  const byHash = new Map([...ws.files.values()].map((c) => [sha256(c), c]));
  const files = new Map<string, Buffer>();
  for (const file of manifest.files) {
    const content = ws.blobs.get(file.sha256) ?? byHash.get(file.sha256);
    if (content === undefined) return json(res, 422, errorBody("blob_not_found", `blob ${file.sha256} missing`));
    files.set(file.path, content);
  }
  if (ws.botchImports > 0) {
    // Scripted: a runner that writes something other than it was asked to.
    ws.botchImports -= 1;
    files.set("botched.txt", Buffer.from("not part of the tree"));
  } else if (treeHash(hashes(files)) !== manifest.treeHash) {
    return json(res, 422, errorBody("tree_mismatch", "the tree does not hash to its manifest's treeHash"));
  }
  const previous = ws.previous;
  ws.files = files;
  ws.blobs.clear();
  ws.previous = hashes(files);
  return json(res, 200, { fingerprint: toFingerprint(ws.previous, previous) });
}

const textOf = (lines: readonly string[]): string => `${lines.join("\n")}\n`;

async function sessionRoute(ws: WorkspaceState, sessionId: string, sub: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const transcript = ws.sessions.get(sessionId);
  if (sub === undefined && req.method === "GET") {
    return transcript === undefined ? json(res, 404, errorBody("session_not_found", "no transcript")) : json(res, 200, { sessionId, transcriptBytes: Buffer.byteLength(textOf(transcript)) });
  }
  if (sub === "transcript" && req.method === "GET") {
    if (transcript === undefined) return json(res, 404, errorBody("session_not_found", "no transcript"));
    const text = textOf(transcript);
    const base = new URL(req.url ?? "/", "http://fake").searchParams.get("base");
    const parent = base === null ? undefined : ws.sessions.get(base);
    const delta = parent === undefined || base === null ? null : computeDelta({ sessionId: base, text: textOf(parent) }, { sessionId, text });
    const bytes = Buffer.from(delta ?? text);
    ws.exports.push({ sessionId, base, format: delta === null ? "full" : "delta", bytes: bytes.length });
    res.writeHead(200, { "content-type": delta === null ? "application/x-ndjson" : TRANSCRIPT_DELTA_CONTENT_TYPE, "content-length": bytes.length, [TRANSCRIPT_BYTES_HEADER]: Buffer.byteLength(text) });
    return void res.end(bytes);
  }
  if (sub === "transcript" && req.method === "PUT") {
    if (ws.busy !== null) return json(res, 409, errorBody("busy", "run in progress"));
    let text = await body(req);
    if ((req.headers["content-type"] ?? "").startsWith(TRANSCRIPT_DELTA_CONTENT_TYPE)) {
      const parent = ws.sessions.get(readDeltaHeader(text).parentSessionId);
      if (parent === undefined) return json(res, 404, errorBody("session_not_found", "the delta's parent is not in this workspace"));
      try {
        text = applyDelta(textOf(parent), text).text;
      } catch (err) {
        if (err instanceof DeltaError) return json(res, 422, errorBody("transcript_mismatch", err.message));
        throw err;
      }
    }
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    for (const line of lines) {
      const value = JSON.parse(line) as { sessionId?: string };
      if (value.sessionId !== sessionId) return json(res, 400, errorBody("bad_request", "transcript names another session"));
    }
    ws.sessions.set(sessionId, lines);
    ws.transcriptImports.push(sessionId);
    res.writeHead(204);
    return void res.end();
  }
  if (sub === "fork" && req.method === "POST") {
    if (ws.busy !== null) return json(res, 409, errorBody("busy", "run in progress"));
    if (transcript === undefined) return json(res, 404, errorBody("session_not_found", "no transcript"));
    const forkedId = randomUUID();
    const forked = forkTranscript(textOf(transcript), sessionId, forkedId, "/fake/workspace").split("\n").filter((l) => l.trim() !== "");
    ws.sessions.set(forkedId, forked);
    ws.forks.push({ from: sessionId, to: forkedId });
    return json(res, 201, { sessionId: forkedId, forkedFrom: sessionId, transcriptBytes: Buffer.byteLength(textOf(forked)) });
  }
  return json(res, 404, errorBody("not_found", "no such route"));
}
