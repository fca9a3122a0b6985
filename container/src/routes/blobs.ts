// Blob endpoints: a workspace's file contents by sha256, streamed both ways, so a caller
// moves only the contents the other side lacks and never holds a whole workspace.
import { pipeline } from "node:stream/promises";
import { workspaceParam } from "../app.ts";
import type { Route, RouteContext } from "../app.ts";
import { cachedBlobPath, hasCachedBlob, receiveBlob } from "../blobs.ts";
import { openRegularFile } from "../confine/regular-files.ts";
import { HttpError } from "../errors.ts";
import { describeIssues, readJson, sendEmpty, sendJson } from "../http.ts";
import { MissingBlobsRequest, Sha256 } from "../protocol.ts";
import type { MissingBlobsResponse } from "../protocol.ts";
import { readTree } from "../tree.ts";

const BLOB = /^\/v1\/workspaces\/(?<workspaceId>[^/]+)\/blobs\/(?<sha256>[0-9a-f]{64})$/;
const MISSING = /^\/v1\/workspaces\/(?<workspaceId>[^/]+)\/blobs\/missing$/;

function shaParam(ctx: RouteContext): string {
  const parsed = Sha256.safeParse(ctx.params.sha256);
  if (!parsed.success) throw new HttpError(400, "bad_request", "invalid sha256");
  return parsed.data;
}

export const blobRoutes: Route[] = [
  {
    method: "GET",
    pattern: BLOB,
    handle: async (ctx) => {
      const { workspaceId, paths } = workspaceParam(ctx);
      const sha256 = shaParam(ctx);
      // Served from the workspace as its last tree listing found it (GET …/tree comes first).
      const file = (await hasCachedBlob(paths, sha256)) ? cachedBlobPath(paths, sha256) : ctx.app.blobs.find(workspaceId, sha256);
      // Opened without following links: a workspace file swapped for a symlink is not served.
      const handle = file === null ? null : await openRegularFile(file);
      if (handle === null) throw new HttpError(404, "blob_not_found", `no blob ${sha256} in this workspace`);
      const { size } = await handle.stat();
      ctx.res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size });
      await pipeline(handle.createReadStream(), ctx.res);
    },
  },
  {
    method: "PUT",
    pattern: BLOB,
    handle: async (ctx) => {
      const { paths } = workspaceParam(ctx);
      const sha256 = shaParam(ctx);
      const declared = Number(ctx.req.headers["content-length"]);
      const limit = ctx.app.config.maxSnapshotBytes;
      if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, "payload_too_large", `blob exceeds ${limit} bytes`);
      await receiveBlob(paths, sha256, ctx.req, limit);
      sendEmpty(ctx.res, 204);
    },
  },
  {
    method: "POST",
    pattern: MISSING,
    handle: async (ctx) => {
      const { workspaceId, paths } = workspaceParam(ctx);
      const parsed = MissingBlobsRequest.safeParse(await readJson(ctx.req, 8 * 1024 * 1024));
      if (!parsed.success) throw new HttpError(400, "bad_request", describeIssues(parsed.error.issues));
      // The workspace as it is now: a tree import copies blobs from it.
      const tree = await readTree(paths.workspace);
      ctx.app.blobs.remember(workspaceId, tree.locations);
      const missing: string[] = [];
      for (const sha256 of new Set(parsed.data.sha256)) {
        if (!tree.locations.has(sha256) && !(await hasCachedBlob(paths, sha256))) missing.push(sha256);
      }
      const body: MissingBlobsResponse = { missing };
      sendJson(ctx.res, 200, body);
    },
  },
];
