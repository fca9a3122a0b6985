// Blobs uploaded ahead of a tree import, kept under their sha256 in the workspace's blob
// directory. Content is hashed while it streams to disk and refused if it does not match
// its name, so a blob on disk is always what its name says.
import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { HttpError } from "./errors.ts";
import { isNotFound } from "./fsutil.ts";
import type { ProjectPaths } from "./paths.ts";

export function cachedBlobPath(paths: ProjectPaths, sha256: string): string {
  // sha256 is validated as 64 hex characters before it gets here.
  return path.join(paths.blobsDir, sha256);
}

export async function hasCachedBlob(paths: ProjectPaths, sha256: string): Promise<boolean> {
  try {
    return (await stat(cachedBlobPath(paths, sha256))).isFile();
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

export async function receiveBlob(paths: ProjectPaths, sha256: string, body: Readable, limit: number): Promise<void> {
  await mkdir(paths.blobsDir, { recursive: true });
  const tmp = path.join(paths.blobsDir, `.${sha256}.${randomUUID()}.tmp`);
  const hash = createHash("sha256");
  let size = 0;
  try {
    await pipeline(
      body,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          size += chunk.length;
          if (size > limit) throw new HttpError(413, "payload_too_large", `blob exceeds ${limit} bytes`);
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(tmp, { flags: "wx" }),
    );
    if (hash.digest("hex") !== sha256) throw new HttpError(400, "bad_request", `blob content does not match its sha256 ${sha256}`);
    await rename(tmp, cachedBlobPath(paths, sha256));
  } finally {
    await rm(tmp, { force: true });
  }
}

/** After an import the blobs are in the workspace; the cache only held them for it. */
export async function clearBlobCache(paths: ProjectPaths): Promise<void> {
  await rm(paths.blobsDir, { recursive: true, force: true });
}
