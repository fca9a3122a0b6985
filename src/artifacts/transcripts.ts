import type { RunnerClient } from "../runner/client.ts";
import type { ArtifactStore, TranscriptInfo } from "./store.ts";

/**
 * A transcript is stored whole after this many deltas in a row. Rebuilding a session on a
 * runner that lost its disk puts back every transcript from the last whole copy on, one
 * request each, so this bounds that walk (33 requests); a whole copy costs one transcript's
 * bytes (~200 KB–1 MB on a 30-file project), a delta one step's new lines (~20 KB).
 */
export const MAX_DELTA_DEPTH = 32;

export interface TranscriptTarget {
  runner: RunnerClient;
  store: ArtifactStore;
  workspaceId: string;
  /** Called after each transcript moved: a transfer that spans invocations is progress. */
  onTransfer(): void;
}

export interface SavedTranscript {
  format: TranscriptInfo["format"];
  /** Bytes stored in R2 (the delta's when it is one). */
  stored: number;
  /** Bytes of the whole transcript. */
  bytes: number;
}

/**
 * Runner → R2: the session's transcript, as a delta from `parent`'s when R2 holds the parent
 * (so the delta can always be rebuilt) and the chain of deltas is not too long; the runner
 * sends the whole transcript when it lacks the parent or a delta would not be smaller.
 */
export async function saveTranscript(target: TranscriptTarget, sessionId: string, parent: string | null): Promise<SavedTranscript> {
  const { runner, store, workspaceId } = target;
  const parentInfo = parent === null || parent === sessionId ? null : await store.transcriptInfo(parent);
  const base = parentInfo !== null && parentInfo.depth < MAX_DELTA_DEPTH ? parent : null;
  const exported = await runner.openTranscript(workspaceId, sessionId, base);
  if (exported === null) throw new Error(`the runner has no transcript for session ${sessionId}`);
  const info: TranscriptInfo =
    exported.format === "delta" && base !== null && parentInfo !== null
      ? { format: "delta", parent: base, bytes: exported.transcriptBytes, depth: parentInfo.depth + 1 }
      : { format: "full", bytes: exported.transcriptBytes, depth: 0 };
  if (exported.format === "delta" && info.format !== "delta") throw new Error(`the runner sent a delta for ${sessionId} that was not asked for`);
  await store.putTranscript(sessionId, exported, info);
  target.onTransfer();
  return { format: info.format, stored: exported.size, bytes: info.bytes };
}

/**
 * R2 → runner: puts the session's transcript back when the runner lacks it. A delta needs
 * its parent on the runner first, so the walk goes up to the first session the runner still
 * has (or a whole copy), then puts each transcript back in order, oldest first; the runner
 * checks each rebuilt file against the hash its delta names. False when R2 lacks a link.
 */
export async function restoreTranscript(target: TranscriptTarget, sessionId: string): Promise<boolean> {
  const { runner, store, workspaceId } = target;
  const missing: { sessionId: string; info: TranscriptInfo }[] = [];
  let current: string | null = sessionId;
  while (current !== null) {
    if (await runner.hasSession(workspaceId, current)) break;
    const info = await store.transcriptInfo(current);
    if (info === null || missing.length > MAX_DELTA_DEPTH + 1) return false;
    missing.push({ sessionId: current, info });
    current = info.format === "delta" ? info.parent : null;
  }
  for (const { sessionId: id, info } of missing.reverse()) {
    const body = await store.openTranscript(id, info.format);
    if (body === null) return false;
    await runner.putTranscript(workspaceId, id, body, info.format);
    target.onTransfer();
  }
  return true;
}
