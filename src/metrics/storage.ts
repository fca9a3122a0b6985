// Transcript storage: bytes of the R2 objects under projects/<id>/ (transcripts and
// workspace snapshots, see src/artifacts/store.ts), or under projects/ for everything.
// Listing a bucket costs one request per 1,000 objects, so a scrape never lists it whole:
// each prefix's figure is kept in R2 (under _metrics/, outside every project) with the
// scan that refreshes it; a scrape reports the last complete figure and, when it is older
// than MAX_AGE_MS, moves the scan on by at most PAGES_PER_SCRAPE pages in all.
export interface StorageSize {
  bytes: number;
  objects: number;
}

/** A figure younger than this is reported without listing anything. */
export const MAX_AGE_MS = 5 * 60_000;
/** R2 list calls one scrape may make (1,000 objects each), across all the prefixes it reports. */
export const PAGES_PER_SCRAPE = 20;

interface ScanState {
  /** The last complete figure and when its scan ended; null before the first one. */
  done: (StorageSize & { at: number }) | null;
  /** A scan in progress: where it stopped and what it counted so far. */
  scan: (StorageSize & { cursor: string }) | null;
}

const stateKey = (prefix: string): string => `_metrics/storage/${prefix.replaceAll("/", "_")}.json`;

async function readState(bucket: R2Bucket, prefix: string): Promise<ScanState> {
  const object = await bucket.get(stateKey(prefix));
  if (object === null) return { done: null, scan: null };
  try {
    return (await object.json()) as ScanState;
  } catch {
    return { done: null, scan: null };
  }
}

/** One prefix's figure, scanning on within `budget.pages` when it is stale. */
async function sizeUnder(bucket: R2Bucket, prefix: string, now: number, budget: { pages: number }): Promise<StorageSize> {
  const state = await readState(bucket, prefix);
  if (state.done !== null && now - state.done.at < MAX_AGE_MS) return state.done;
  if (budget.pages <= 0) return state.done ?? { bytes: 0, objects: 0 };
  let { bytes, objects } = state.scan ?? { bytes: 0, objects: 0 };
  let cursor = state.scan?.cursor;
  do {
    budget.pages -= 1;
    const page = await bucket.list({ prefix, ...(cursor !== undefined ? { cursor } : {}) });
    for (const object of page.objects) bytes += object.size;
    objects += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined && budget.pages > 0);
  const next: ScanState = cursor === undefined ? { done: { bytes, objects, at: now }, scan: null } : { done: state.done, scan: { bytes, objects, cursor } };
  await bucket.put(stateKey(prefix), JSON.stringify(next));
  return next.done ?? { bytes, objects };
}

/** `projectIds` null: every project. Owners' projects are counted one prefix each. */
export async function storageSize(bucket: R2Bucket, projectIds: readonly string[] | null, now: number = Date.now()): Promise<StorageSize> {
  const budget = { pages: PAGES_PER_SCRAPE };
  if (projectIds === null) return sizeUnder(bucket, "projects/", now, budget);
  const total = { bytes: 0, objects: 0 };
  for (const id of projectIds) {
    const size = await sizeUnder(bucket, `projects/${id}/`, now, budget);
    total.bytes += size.bytes;
    total.objects += size.objects;
  }
  return total;
}
