// Workspace endpoints: fingerprint, snapshot export, and snapshot import (rehydration).
import { projectParam, withProjectLock } from "../app.ts";
import type { Route } from "../app.ts";
import { HttpError } from "../errors.ts";
import { hashFiles, hashWorkspace, loadBaseline, saveBaseline, toFingerprint } from "../fingerprint.ts";
import { describeIssues, readJson, sendJson } from "../http.ts";
import { SnapshotPutRequest } from "../protocol.ts";
import type { SnapshotResponse, WorkspaceResponse } from "../protocol.ts";
import { decodeSnapshot, encodeSnapshot, exportSnapshot, importSnapshot } from "../snapshot.ts";

export const workspaceRoutes: Route[] = [
  {
    method: "GET",
    pattern: /^\/v1\/projects\/(?<projectId>[^/]+)\/workspace$/,
    handle: async (ctx) => {
      const { paths } = projectParam(ctx);
      const current = await hashWorkspace(paths.workspace);
      // An empty workspace has no meaningful "previous" to compare with.
      const previous = current.size === 0 ? null : await loadBaseline(paths.baselineFile);
      const body: WorkspaceResponse = { fingerprint: toFingerprint(current, previous) };
      sendJson(ctx.res, 200, body);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/projects\/(?<projectId>[^/]+)\/workspace\/snapshot$/,
    handle: async (ctx) => {
      const { paths } = projectParam(ctx);
      const files = await exportSnapshot(paths.workspace);
      const current = hashFiles(files);
      const previous = current.size === 0 ? null : await loadBaseline(paths.baselineFile);
      const body: SnapshotResponse = { files: encodeSnapshot(files), fingerprint: toFingerprint(current, previous) };
      sendJson(ctx.res, 200, body);
    },
  },
  {
    method: "PUT",
    pattern: /^\/v1\/projects\/(?<projectId>[^/]+)\/workspace\/snapshot$/,
    handle: async (ctx) => {
      const { projectId, paths } = projectParam(ctx);
      // Base64 inflates by 4/3; the limit is on the decoded workspace size.
      const raw = await readJson(ctx.req, Math.ceil((ctx.app.config.maxSnapshotBytes * 4) / 3) + 1024 * 1024);
      const parsed = SnapshotPutRequest.safeParse(raw);
      if (!parsed.success) throw new HttpError(400, "bad_request", describeIssues(parsed.error.issues));
      const files = decodeSnapshot(parsed.data.files);
      const body = await withProjectLock(ctx, projectId, "snapshot-import", async (): Promise<WorkspaceResponse> => {
        const previous = await loadBaseline(paths.baselineFile);
        await importSnapshot(paths, files);
        const current = hashFiles(files);
        // The imported tree is what the next run's changes are measured against.
        await saveBaseline(paths.baselineFile, current);
        return { fingerprint: toFingerprint(current, previous) };
      });
      sendJson(ctx.res, 200, body);
    },
  },
];
