// Workspace endpoints: the fingerprint, the tree as content (manifest), and importing
// exactly a given tree (rehydration and resets) from blobs the runner has.
import path from "node:path";
import { workspaceParam, withWorkspaceLock } from "../app.ts";
import type { Route } from "../app.ts";
import { cachedBlobPath, clearBlobCache, hasCachedBlob } from "../blobs.ts";
import { HttpError } from "../errors.ts";
import { hashWorkspace, loadBaseline, saveBaseline, toFingerprint } from "../fingerprint.ts";
import { describeIssues, readJson, sendJson } from "../http.ts";
import { TreeManifest } from "../protocol.ts";
import type { WorkspaceResponse } from "../protocol.ts";
import { materializeTree } from "../snapshot.ts";
import { readTree } from "../tree.ts";

const WORKSPACE = /^\/v1\/workspaces\/(?<workspaceId>[^/]+)$/;
const TREE = /^\/v1\/workspaces\/(?<workspaceId>[^/]+)\/tree$/;

/** A manifest line is ~150 bytes; 100 000 files fit well inside this. */
const MAX_MANIFEST_BODY = 32 * 1024 * 1024;

export const workspaceRoutes: Route[] = [
  {
    method: "GET",
    pattern: WORKSPACE,
    handle: async (ctx) => {
      const { paths } = workspaceParam(ctx);
      const current = await hashWorkspace(paths.workspace);
      // An empty workspace has no meaningful "previous" to compare with.
      const previous = current.size === 0 ? null : await loadBaseline(paths.baselineFile);
      const body: WorkspaceResponse = { fingerprint: toFingerprint(current, previous) };
      sendJson(ctx.res, 200, body);
    },
  },
  {
    method: "GET",
    pattern: TREE,
    handle: async (ctx) => {
      const { workspaceId, paths } = workspaceParam(ctx);
      // Under the lock: a tree listed while a run edits the workspace would mix two states.
      const tree = await withWorkspaceLock(ctx, workspaceId, "tree-export", () => readTree(paths.workspace));
      ctx.app.blobs.remember(workspaceId, tree.locations);
      const body: TreeManifest = tree.manifest;
      sendJson(ctx.res, 200, body);
    },
  },
  {
    method: "PUT",
    pattern: TREE,
    handle: async (ctx) => {
      const { workspaceId, paths } = workspaceParam(ctx);
      const parsed = TreeManifest.safeParse(await readJson(ctx.req, MAX_MANIFEST_BODY));
      if (!parsed.success) throw new HttpError(400, "bad_request", describeIssues(parsed.error.issues));
      const manifest = parsed.data;
      const body = await withWorkspaceLock(ctx, workspaceId, "tree-import", async (): Promise<WorkspaceResponse> => {
        const previous = await loadBaseline(paths.baselineFile);
        // Blobs come from the upload cache or from files the workspace already has.
        const existing = await readTree(paths.workspace);
        const current = await materializeTree(paths, manifest, async (sha256) =>
          (await hasCachedBlob(paths, sha256)) ? cachedBlobPath(paths, sha256) : (existing.locations.get(sha256) ?? null),
        );
        await clearBlobCache(paths);
        ctx.app.blobs.remember(workspaceId, new Map(manifest.files.map((file) => [file.sha256, path.join(paths.workspace, file.path)])));
        // The imported tree is what the next run's changes are measured against.
        await saveBaseline(paths.baselineFile, current);
        return { fingerprint: toFingerprint(current, previous) };
      });
      sendJson(ctx.res, 200, body);
    },
  },
];
