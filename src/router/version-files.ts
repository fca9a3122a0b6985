import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ArtifactStore } from "../artifacts/store.ts";
import { contentTypeOf } from "../artifacts/content-type.ts";
import { DIFF_OMITTED, treeDiff } from "../artifacts/tree-diff.ts";
import type { TreeManifest } from "../runner/protocol.ts";
import { requireUser } from "./auth.ts";
import { VersionParams } from "./branch-schemas.ts";
import type { AppEnv } from "./context.ts";
import { unwrap } from "./context.ts";
import { HttpError } from "./errors.ts";
import { errorResponses, stateResponses } from "./schemas.ts";
import { invalidInput, validationHook } from "./validation.ts";
import { versionOwner } from "./versions.ts";

// What a version holds, served from R2 (its tree manifest and blobs), never from the
// runner: the file list, one file's content (ETag = its sha256), and a diff between two
// versions. The version's Durable Object only says which tree it left (and refuses a
// pruned, failed or unknown version).

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const security = [{ bearer: [] }];

const FileEntry = z.object({ path: z.string(), size: z.number(), sha256: z.string() }).openapi("VersionFile");
const FileList = z.object({ versionNumber: z.number(), branch: z.string(), treeHash: z.string(), files: z.array(FileEntry) }).openapi("VersionFiles");
const Change = z
  .object({
    path: z.string(),
    status: z.enum(["added", "removed", "modified"]),
    fromSha256: z.string().nullable(),
    toSha256: z.string().nullable(),
    diff: z.string().nullable().openapi({ description: "Unified diff (diff -u, 3 lines of context); null when omitted." }),
    diffOmitted: z.enum(DIFF_OMITTED).nullable().openapi({ description: "Why there is no diff: binary; too_large (a side over 256 KB); too_many_files (the response's 200 diffs or 8 MB of text are used); too_many_changes (over 1,000 changed lines in the file or 3,000 in the response)." }),
  })
  .openapi("FileChange");
const DiffQuery = z.object({
  from: z.coerce.number({ error: "from must be a number" }).int("from must be a whole number").min(1, "from must be at least 1")
    .openapi({ param: { name: "from", in: "query" }, description: "The version to compare with." }),
});

export const versionFiles = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
versionFiles.use("*", requireUser);

/** The tree version `n` left, after its branch's object has checked the caller and the version. */
async function treeOf(env: Env, projectId: string, userId: string, n: number): Promise<{ branch: string; manifest: TreeManifest; store: ArtifactStore }> {
  const owner = await versionOwner(env, projectId, userId, n);
  const source = unwrap(await owner.versionTree(userId, n, "files"));
  const store = new ArtifactStore(env.ARTIFACTS, projectId);
  const manifest = await store.getTree(source.treeHash);
  if (manifest === null) {
    console.error(`project ${projectId}: the manifest of tree ${source.treeHash} (version ${n}) is not in R2`);
    throw new HttpError(503, "unavailable", `the files of version ${n} are unavailable, try again`);
  }
  return { branch: source.branch, manifest, store };
}

versionFiles.openapi(
  createRoute({
    method: "get", path: "/{id}/versions/{n}/files", security, summary: "A version's files: paths, sizes and content hashes",
    request: { params: VersionParams },
    responses: { 200: json(FileList, "The version's files"), ...errorResponses, ...stateResponses },
  }),
  async (c) => {
    const { id, n } = c.req.valid("param");
    const { branch, manifest } = await treeOf(c.env, id, c.get("userId"), n);
    return c.json({ versionNumber: n, branch, treeHash: manifest.treeHash, files: manifest.files }, 200);
  },
);

versionFiles.openapi(
  createRoute({
    method: "get", path: "/{id}/versions/{n}/diff", security, summary: "What changed from another version: changed paths, a unified diff per text file",
    request: { params: VersionParams, query: DiffQuery },
    responses: { 200: json(z.object({ from: z.number(), to: z.number(), changes: z.array(Change) }), "The changes"), ...errorResponses, ...stateResponses },
  }),
  async (c) => {
    const { id, n } = c.req.valid("param");
    const { from } = c.req.valid("query");
    const userId = c.get("userId");
    const [older, newer] = await Promise.all([treeOf(c.env, id, userId, from), treeOf(c.env, id, userId, n)]);
    const changes = await treeDiff(newer.store, older.manifest, newer.manifest, { from: `v${from}`, to: `v${n}` });
    return c.json({ from, to: n, changes }, 200);
  },
);

/** The file path after /files/, percent-decoded; a malformed escape (`%ZZ`) is the caller's error. */
function filePath(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new HttpError(400, "bad_request", "path: the file path is not valid percent-encoding");
  }
}

// A path holds slashes, so this one is a plain route (like the event stream).
versionFiles.get("/:id/versions/:n/files/*", async (c) => {
  const params = VersionParams.safeParse({ id: c.req.param("id"), n: c.req.param("n") });
  if (!params.success) throw invalidInput(params.error);
  const prefix = `/v1/projects/${params.data.id}/versions/${c.req.param("n")}/files/`;
  const raw = new URL(c.req.url).pathname;
  const path = raw.startsWith(prefix) ? filePath(raw.slice(prefix.length)) : "";
  if (path === "") throw new HttpError(400, "bad_request", "path: a file path is required after /files/");
  const { manifest, store } = await treeOf(c.env, params.data.id, c.get("userId"), params.data.n);
  const file = manifest.files.find((f) => f.path === path);
  if (file === undefined) throw new HttpError(404, "not_found", `version ${params.data.n} has no file ${path}`);
  const etag = `"${file.sha256}"`;
  const headers = { etag, "cache-control": "private, max-age=31536000, immutable", "x-content-type-options": "nosniff", "content-security-policy": "sandbox" };
  if ((c.req.header("if-none-match") ?? "").split(",").some((tag) => tag.trim() === etag)) return c.body(null, 304, headers);
  const blob = await store.openBlob(file.sha256);
  if (blob === null) throw new HttpError(503, "unavailable", `${path} of version ${params.data.n} is unavailable, try again`);
  return c.body(blob.body, 200, { ...headers, "content-type": contentTypeOf(path), "content-length": String(blob.size) });
});
