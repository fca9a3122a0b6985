// Transcript storage: bytes of the R2 objects under projects/<id>/ (transcripts and
// workspace snapshots, see src/artifacts/store.ts), or under projects/ for everything.
export interface StorageSize {
  bytes: number;
  objects: number;
}

async function sizeUnder(bucket: R2Bucket, prefix: string): Promise<StorageSize> {
  let bytes = 0;
  let objects = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, ...(cursor !== undefined ? { cursor } : {}) });
    for (const object of page.objects) bytes += object.size;
    objects += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  return { bytes, objects };
}

/** `projectIds` null: every project. Owners' projects are listed one prefix each. */
export async function storageSize(bucket: R2Bucket, projectIds: readonly string[] | null): Promise<StorageSize> {
  if (projectIds === null) return sizeUnder(bucket, "projects/");
  const total = { bytes: 0, objects: 0 };
  for (const id of projectIds) {
    const size = await sizeUnder(bucket, `projects/${id}/`);
    total.bytes += size.bytes;
    total.objects += size.objects;
  }
  return total;
}
