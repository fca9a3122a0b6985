import type { ChainLink, ChainOperation, ChainRelation, SessionView } from "../../domain/views.ts";
import { isoOrNull } from "../../domain/views.ts";
import type { Fingerprint } from "../../runner/protocol.ts";

interface ChainRow extends Record<string, SqlStorageValue> {
  head_session_id: string | null;
  head_version_number: number | null;
  head_created_at: number | null;
  head_last_used_at: number | null;
  resumable: number;
  failure_count: number;
  generation: number;
  fingerprint: string | null;
  reset_requested: number;
  reset_applied: number;
}

interface HistoryRow extends Record<string, SqlStorageValue> {
  seq: number;
  session_id: string;
  parent_session_id: string | null;
  version_number: number;
  operation: string;
  relation: string;
  at: number;
}

export interface ChainState {
  headSessionId: string | null;
  headVersionNumber: number | null;
  headCreatedAt: number | null;
  headLastUsedAt: number | null;
  resumable: boolean;
  failureCount: number;
  generation: number;
  fingerprint: Fingerprint | null;
  /** A reset was requested that no fresh session has answered yet. */
  resetPending: boolean;
}

/** A page of the history: `after` is the last seq already seen (null: from the start). */
export interface HistoryPage {
  limit: number;
  after: number | null;
}

export interface HeadUpdate {
  sessionId: string;
  parentSessionId: string | null;
  versionNumber: number;
  operation: ChainOperation;
  fingerprint: Fingerprint | null;
  /** A fork of an earlier version's session (a restore, a branch's first version). */
  fork?: "restored" | "branched";
}

/** Thrown when a writer holds an outdated generation: someone else moved the head. */
export class StaleGenerationError extends Error {
  constructor(expected: number, actual: number) {
    super(`session chain moved: expected generation ${expected}, found ${actual}`);
    this.name = "StaleGenerationError";
  }
}

// The session chain: the head every next operation resumes, and every id it ever had.
// `generation` grows with each head change and fences writers that started earlier.
export class ChainStore {
  private readonly sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  get(): ChainState {
    const row = this.sql.exec<ChainRow>("SELECT * FROM chain WHERE id = 1").one();
    return {
      headSessionId: row.head_session_id,
      headVersionNumber: row.head_version_number,
      headCreatedAt: row.head_created_at,
      headLastUsedAt: row.head_last_used_at,
      resumable: row.resumable === 1,
      failureCount: row.failure_count,
      generation: row.generation,
      fingerprint: row.fingerprint === null ? null : (JSON.parse(row.fingerprint) as Fingerprint),
      resetPending: row.reset_requested > row.reset_applied,
    };
  }

  /**
   * Moves the head to the id an operation returned. A different id starts resumable; a
   * successful resume clears the failure count, a fresh start keeps it as history. A new
   * session answers the resets its job's decision saw (reset_seen) — not one requested
   * while the job ran, which stays pending for the next job.
   */
  setHead(expectedGeneration: number, update: HeadUpdate, now: number): number {
    const current = this.get();
    if (current.generation !== expectedGeneration) throw new StaleGenerationError(expectedGeneration, current.generation);
    const sameSession = current.headSessionId === update.sessionId;
    const relation: ChainRelation = update.fork ?? (update.parentSessionId === null ? "new" : update.parentSessionId === update.sessionId ? "resumed" : "forked");
    // A new session, or one a restore chose, answers the resets its job saw.
    const answersReset = relation === "new" || update.fork !== undefined;
    this.sql.exec(
      `UPDATE chain SET head_session_id = ?, head_version_number = ?,
         head_created_at = CASE WHEN ? THEN head_created_at ELSE ? END, head_last_used_at = ?,
         resumable = CASE WHEN ? THEN resumable ELSE 1 END, failure_count = CASE WHEN ? THEN 0 ELSE failure_count END,
         fingerprint = COALESCE(?, fingerprint), generation = generation + 1,
         reset_applied = CASE WHEN ? THEN MAX(reset_applied, reset_seen) ELSE reset_applied END
       WHERE id = 1`,
      update.sessionId, update.versionNumber, sameSession ? 1 : 0, now, now, sameSession ? 1 : 0, relation === "new" ? 0 : 1,
      update.fingerprint === null ? null : JSON.stringify(update.fingerprint), answersReset ? 1 : 0,
    );
    this.sql.exec(
      "INSERT INTO chain_history (session_id, parent_session_id, version_number, operation, relation, at) VALUES (?, ?, ?, ?, ?, ?)",
      update.sessionId, update.parentSessionId, update.versionNumber, update.operation, relation, now,
    );
    return expectedGeneration + 1;
  }

  recordFailure(): number {
    return this.sql.exec<{ failure_count: number }>(
      "UPDATE chain SET failure_count = failure_count + 1 WHERE id = 1 RETURNING failure_count",
    ).one().failure_count;
  }

  markNonResumable(): void {
    this.sql.exec("UPDATE chain SET resumable = 0 WHERE id = 1");
  }

  requestReset(): void {
    this.sql.exec("UPDATE chain SET reset_requested = reset_requested + 1 WHERE id = 1");
  }

  /** Called when a job decides how to start: the resets it has seen (and will answer). */
  noteDecision(): void {
    this.sql.exec("UPDATE chain SET reset_seen = reset_requested WHERE id = 1");
  }

  /** Keeps the newest `keep` history rows; Postgres holds every operation's ids. */
  trimHistory(keep: number): void {
    this.sql.exec("DELETE FROM chain_history WHERE seq NOT IN (SELECT seq FROM chain_history ORDER BY seq DESC LIMIT ?)", keep);
  }

  /** True when `sessionId` is, or was, part of this project's own chain. */
  owns(sessionId: string): boolean {
    return this.sql.exec("SELECT 1 FROM chain_history WHERE session_id = ? LIMIT 1", sessionId).toArray().length > 0;
  }

  view(projectId: string, branch: string, now: number, page: HistoryPage): SessionView {
    const state = this.get();
    const rows = this.sql
      .exec<HistoryRow>("SELECT * FROM chain_history WHERE seq > ? ORDER BY seq LIMIT ?", page.after ?? 0, page.limit + 1)
      .toArray();
    const more = rows.length > page.limit;
    const shown = rows.slice(0, page.limit);
    const history = shown
      .map((row): ChainLink => ({
        sessionId: row.session_id,
        parentSessionId: row.parent_session_id,
        versionNumber: row.version_number,
        operation: row.operation as ChainOperation,
        relation: row.relation as ChainRelation,
        at: new Date(row.at).toISOString(),
      }));
    return {
      projectId,
      branch,
      headSessionId: state.headSessionId,
      headVersionNumber: state.headVersionNumber,
      createdAt: isoOrNull(state.headCreatedAt),
      lastUsedAt: isoOrNull(state.headLastUsedAt),
      ageSeconds: state.headCreatedAt === null ? null : Math.floor((now - state.headCreatedAt) / 1000),
      resumable: state.resumable,
      failureCount: state.failureCount,
      generation: state.generation,
      resetPending: state.resetPending,
      history,
      historyNext: more ? (shown.at(-1)?.seq ?? null) : null,
    };
  }
}
