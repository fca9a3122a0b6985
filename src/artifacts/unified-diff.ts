import { FILE_HEADERS_ONLY, formatPatch, structuredPatch } from "diff";

// A unified diff of two texts (the `diff -u` format, 3 lines of context) by jsdiff, bounded:
// Myers' algorithm spends time and memory growing with the number of changed lines, so a
// rewrite of a big file could hold a request (and the isolate's 128 MB beside it) for
// seconds. Past the bound the caller gets null and says the diff is too large. The bound is
// on the edit length, not jsdiff's `timeout`: a Worker's clock does not advance while it
// runs synchronous code, so a timeout would never fire.

const CONTEXT = 3;

/** At most this many lines removed + added per file; a bigger change is not read as a diff anyway. */
export const MAX_EDIT_LINES = 1000;

export interface BoundedDiff {
  /** `diff -u` output; "" when the texts are equal. */
  text: string;
  /** Lines removed + added: what the diff cost, for a caller's budget. */
  editLines: number;
}

/** `diff -u` output for a → b under the given names; null when more than `maxEditLines` lines change. */
export function unifiedDiff(a: string, b: string, fromName: string, toName: string, maxEditLines: number = MAX_EDIT_LINES): BoundedDiff | null {
  if (a === b) return { text: "", editLines: 0 };
  if (maxEditLines <= 0) return null;
  const patch = structuredPatch(fromName, toName, a, b, undefined, undefined, { context: CONTEXT, maxEditLength: maxEditLines });
  if (patch === undefined) return null;
  let editLines = 0;
  for (const hunk of patch.hunks) for (const line of hunk.lines) if (line.startsWith("+") || line.startsWith("-")) editLines++;
  return { text: formatPatch(patch, FILE_HEADERS_ONLY), editLines };
}
