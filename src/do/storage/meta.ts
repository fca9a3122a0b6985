import type { ProjectView } from "../../domain/views.ts";
import { SESSION_POLICIES } from "../../policy/types.ts";
import type { SessionPolicy } from "../../policy/types.ts";

interface MetaRow extends Record<string, SqlStorageValue> {
  project_id: string;
  owner_user_id: string;
  name: string;
  resume_override: number | null;
  session_policy: string | null;
  created_at: number;
  next_version: number;
  branch: string;
  branched_from: number | null;
  retention_ran_at: number | null;
}

/** Which branch an object is: main (the project itself) or another, made from a version. */
export interface BranchIdentity {
  branch: string;
  /** The version a branch's first version forked; null for main. */
  branchedFrom: number | null;
}

// The project's identity inside its DO: who owns it, which branch this object is, and (in
// main) the next version number of the whole project.
export class MetaStore {
  private readonly sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  get(): ProjectView | null {
    const row = this.sql.exec<MetaRow>("SELECT * FROM meta WHERE id = 1").toArray()[0];
    if (!row) return null;
    return {
      id: row.project_id,
      name: row.name,
      branch: row.branch,
      ownerUserId: row.owner_user_id,
      resumeOverride: row.resume_override === null ? null : row.resume_override === 1,
      sessionPolicy: SESSION_POLICIES.find((p) => p === row.session_policy) ?? null,
      latestVersionNumber: row.next_version - 1,
      createdAt: new Date(row.created_at).toISOString(),
    };
  }

  create(projectId: string, ownerUserId: string, name: string, now: number, identity: BranchIdentity = { branch: "main", branchedFrom: null }): void {
    this.sql.exec(
      "INSERT INTO meta (id, project_id, owner_user_id, name, resume_override, created_at, next_version, branch, branched_from) VALUES (1, ?, ?, ?, NULL, ?, 1, ?, ?)",
      projectId, ownerUserId, name, now, identity.branch, identity.branchedFrom,
    );
  }

  identity(): BranchIdentity | null {
    const row = this.sql.exec<MetaRow>("SELECT * FROM meta WHERE id = 1").toArray()[0];
    return row === undefined ? null : { branch: row.branch, branchedFrom: row.branched_from };
  }

  /** When retention last ran for the whole project (main only). */
  retentionRanAt(): number | null {
    return this.sql.exec<MetaRow>("SELECT * FROM meta WHERE id = 1").toArray()[0]?.retention_ran_at ?? null;
  }

  setRetentionRanAt(now: number): void {
    this.sql.exec("UPDATE meta SET retention_ran_at = ? WHERE id = 1", now);
  }

  /** Reserves the next version number; the DO runs one RPC's synchronous code at a time. */
  takeVersionNumber(): number {
    const row = this.sql.exec<{ next_version: number }>(
      "UPDATE meta SET next_version = next_version + 1 WHERE id = 1 RETURNING next_version",
    ).one();
    return row.next_version - 1;
  }

  setResumeOverride(value: boolean | null): void {
    this.sql.exec("UPDATE meta SET resume_override = ? WHERE id = 1", value === null ? null : value ? 1 : 0);
  }

  setSessionPolicy(value: SessionPolicy | null): void {
    this.sql.exec("UPDATE meta SET session_policy = ? WHERE id = 1", value);
  }
}
