import type { VersionKind } from "../../domain/views.ts";
import type { Metadata } from "../../runner/protocol.ts";

/** Updates kept in the log; older ones are dropped (a gap makes the next documentation start over). */
export const MAX_REMEMBERED_UPDATES = 50;
/** Characters of each update's prompt kept in the log. */
export const MAX_REMEMBERED_PROMPT_CHARS = 2000;

export type UpdateOutcome = "succeeded" | "failed";

export interface RememberedUpdate {
  versionNumber: number;
  kind: VersionKind;
  /** The user's prompt, truncated to MAX_REMEMBERED_PROMPT_CHARS. */
  prompt: string;
  /** Workspace paths the version added, modified or removed; null when unknown. */
  changedPaths: string[] | null;
  outcome: UpdateOutcome;
  at: number;
}

export interface ProjectMemory {
  /** The latest documentation the metadata step produced, and the version it describes. */
  documentation: string | null;
  recommendations: string[];
  documentedVersion: number | null;
  documentedAt: number | null;
}

interface MemoryRow extends Record<string, SqlStorageValue> {
  documentation: string | null;
  recommendations: string;
  documented_version: number | null;
  documented_at: number | null;
}

interface UpdateRow extends Record<string, SqlStorageValue> {
  version_number: number;
  kind: string;
  prompt: string;
  changed_paths: string | null;
  outcome: string;
  at: number;
}

function toUpdate(row: UpdateRow): RememberedUpdate {
  return {
    versionNumber: row.version_number,
    kind: row.kind === "create" || row.kind === "restore" || row.kind === "branch" ? row.kind : "update",
    prompt: row.prompt,
    changedPaths: row.changed_paths === null ? null : (JSON.parse(row.changed_paths) as string[]),
    outcome: row.outcome === "failed" ? "failed" : "succeeded",
    at: row.at,
  };
}

// What the project has learned about itself, kept in the DO's own SQLite so any step can
// build on it without asking Postgres: the latest documentation and recommendations, and a
// bounded log of recent updates. The metadata step reads it to update the documentation
// instead of writing it again; a handoff to a new session can be written from it.
export class MemoryStore {
  private readonly sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  get(): ProjectMemory {
    const row = this.sql.exec<MemoryRow>("SELECT * FROM project_memory WHERE id = 1").one();
    return {
      documentation: row.documentation,
      recommendations: JSON.parse(row.recommendations) as string[],
      documentedVersion: row.documented_version,
      documentedAt: row.documented_at,
    };
  }

  saveDocumentation(versionNumber: number, metadata: Metadata, at: number): void {
    this.sql.exec(
      "UPDATE project_memory SET documentation = ?, recommendations = ?, documented_version = ?, documented_at = ? WHERE id = 1",
      metadata.documentation, JSON.stringify(metadata.recommendations), versionNumber, at,
    );
  }

  /** Records (or replaces) a version's entry and drops the oldest beyond MAX_REMEMBERED_UPDATES. */
  recordUpdate(update: RememberedUpdate): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO memory_updates (version_number, kind, prompt, changed_paths, outcome, at) VALUES (?, ?, ?, ?, ?, ?)",
      update.versionNumber, update.kind, update.prompt.slice(0, MAX_REMEMBERED_PROMPT_CHARS),
      update.changedPaths === null ? null : JSON.stringify(update.changedPaths), update.outcome, update.at,
    );
    this.sql.exec(
      "DELETE FROM memory_updates WHERE version_number NOT IN (SELECT version_number FROM memory_updates ORDER BY version_number DESC LIMIT ?)",
      MAX_REMEMBERED_UPDATES,
    );
  }

  /**
   * A restore of `versionNumber`: what came after it is not the project's story any more.
   * Its log entries go (a handoff must not tell a new session about them) and so does
   * documentation written after it (the next metadata step writes it again).
   */
  forgetAfter(versionNumber: number): void {
    this.sql.exec("DELETE FROM memory_updates WHERE version_number > ?", versionNumber);
    this.sql.exec(
      "UPDATE project_memory SET documentation = NULL, recommendations = '[]', documented_version = NULL, documented_at = NULL WHERE documented_version > ?",
      versionNumber,
    );
  }

  /** The most recent updates, oldest first. */
  recentUpdates(limit = MAX_REMEMBERED_UPDATES): RememberedUpdate[] {
    return this.sql
      .exec<UpdateRow>("SELECT * FROM (SELECT * FROM memory_updates ORDER BY version_number DESC LIMIT ?) ORDER BY version_number", limit)
      .toArray()
      .map(toUpdate);
  }

  /**
   * Every path changed by the versions after `afterVersion` up to and including `upTo`,
   * sorted; null when one of those versions is not in the log or its changes are unknown.
   * `expected`: how many of them are this branch's (version numbers are per project, so
   * another branch's versions leave gaps).
   */
  changedPathsBetween(afterVersion: number, upTo: number, expected = Math.max(0, upTo - afterVersion)): string[] | null {
    const rows = this.sql
      .exec<UpdateRow>("SELECT * FROM memory_updates WHERE version_number > ? AND version_number <= ? ORDER BY version_number", afterVersion, upTo)
      .toArray()
      .map(toUpdate);
    if (rows.length !== expected) return null;
    const paths = new Set<string>();
    for (const row of rows) {
      if (row.changedPaths === null) return null;
      row.changedPaths.forEach((p) => paths.add(p));
    }
    return [...paths].sort();
  }
}
