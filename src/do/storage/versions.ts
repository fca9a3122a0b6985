import type { VersionKind } from "../../domain/views.ts";

/** queued: not finished yet (queued or running); the job says which. */
export type VersionState = "queued" | "succeeded" | "failed";

export interface VersionRecord {
  number: number;
  id: string;
  kind: VersionKind;
  status: VersionState;
  /** What a succeeded version left: its tree and its head session. */
  treeHash: string | null;
  sessionId: string | null;
  restoredFrom: number | null;
  pinned: boolean;
  prunedAt: number | null;
  error: { code: string; message: string } | null;
  createdAt: number;
  finishedAt: number | null;
}

interface VersionRow extends Record<string, SqlStorageValue> {
  number: number;
  id: string;
  kind: string;
  status: string;
  tree_hash: string | null;
  session_id: string | null;
  restored_from: number | null;
  pinned: number;
  pruned_at: number | null;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  finished_at: number | null;
}

function record(row: VersionRow): VersionRecord {
  return {
    number: row.number,
    id: row.id,
    kind: row.kind as VersionKind,
    status: row.status === "succeeded" || row.status === "failed" ? row.status : "queued",
    treeHash: row.tree_hash,
    sessionId: row.session_id,
    restoredFrom: row.restored_from,
    pinned: row.pinned === 1,
    prunedAt: row.pruned_at,
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? "" },
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

// This branch's versions: what each one left (tree and session), whether it is pinned or
// was pruned. Kept after the job rows are gone, so a version can be restored, branched
// from, browsed or pruned at any age.
export class VersionStore {
  private readonly sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  insert(version: { number: number; id: string; kind: VersionKind; restoredFrom: number | null }, now: number): void {
    this.sql.exec(
      "INSERT INTO versions (number, id, kind, status, restored_from, created_at) VALUES (?, ?, ?, 'queued', ?, ?)",
      version.number, version.id, version.kind, version.restoredFrom, now,
    );
  }

  get(number: number): VersionRecord | null {
    const row = this.sql.exec<VersionRow>("SELECT * FROM versions WHERE number = ?", number).toArray()[0];
    return row === undefined ? null : record(row);
  }

  latest(): number | null {
    return this.sql.exec<{ n: number | null }>("SELECT MAX(number) AS n FROM versions").one().n;
  }

  numbers(): number[] {
    return this.sql.exec<{ number: number }>("SELECT number FROM versions").toArray().map((r) => r.number);
  }

  /** The branch's head version: its latest that succeeded. */
  latestSucceeded(): number | null {
    return this.sql.exec<{ n: number | null }>("SELECT MAX(number) AS n FROM versions WHERE status = 'succeeded'").one().n;
  }

  /** How many of this branch's versions are numbered in (after, upTo]. */
  countBetween(after: number, upTo: number): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM versions WHERE number > ? AND number <= ?", after, upTo).one().n;
  }

  finish(number: number, outcome: { status: "succeeded" | "failed"; treeHash: string | null; sessionId: string | null; error: { code: string; message: string } | null }, now: number): void {
    this.sql.exec(
      "UPDATE versions SET status = ?, tree_hash = ?, session_id = ?, error_code = ?, error_message = ?, finished_at = ? WHERE number = ?",
      outcome.status, outcome.treeHash, outcome.sessionId, outcome.error?.code ?? null, outcome.error?.message ?? null, now, number,
    );
  }

  setPinned(number: number, pinned: boolean): void {
    this.sql.exec("UPDATE versions SET pinned = ? WHERE number = ?", pinned ? 1 : 0, number);
  }

  /**
   * Versions retention may prune: finished before `before`, not pinned, not pruned yet, and
   * not `keep` (the branch's head version and the sources of open restore jobs).
   */
  prunable(before: number, keep: ReadonlySet<number>): VersionRecord[] {
    return this.sql
      .exec<VersionRow>("SELECT * FROM versions WHERE status != 'queued' AND finished_at < ? AND pinned = 0 AND pruned_at IS NULL ORDER BY number", before)
      .toArray()
      .map(record)
      .filter((v) => !keep.has(v.number));
  }

  markPruned(number: number, now: number): void {
    this.sql.exec("UPDATE versions SET pruned_at = ? WHERE number = ?", now, number);
  }

  /** The numbers, trees and sessions of versions still kept: what storage must keep for them. */
  kept(): { numbers: number[]; treeHashes: string[]; sessionIds: string[] } {
    const rows = this.sql.exec<{ number: number; tree_hash: string | null; session_id: string | null }>(
      "SELECT number, tree_hash, session_id FROM versions WHERE status = 'succeeded' AND pruned_at IS NULL",
    ).toArray();
    return {
      numbers: rows.map((r) => r.number),
      treeHashes: rows.flatMap((r) => (r.tree_hash === null ? [] : [r.tree_hash])),
      sessionIds: rows.flatMap((r) => (r.session_id === null ? [] : [r.session_id])),
    };
  }
}
