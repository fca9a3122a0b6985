export interface BranchRecord {
  name: string;
  /** The version its first version forked. */
  fromVersion: number;
  /** Its own first version (a restore of `fromVersion` into the branch). */
  firstVersion: number;
  createdBy: string;
  createdAt: number;
  /** False until the branch's own Durable Object took its first job: a creation cut short. */
  ready: boolean;
}

interface BranchRow extends Record<string, SqlStorageValue> {
  name: string;
  from_version: number;
  first_version: number;
  created_by: string;
  created_at: number;
  ready: number;
}

const record = (row: BranchRow): BranchRecord => ({
  name: row.name,
  fromVersion: row.from_version,
  firstVersion: row.first_version,
  createdBy: row.created_by,
  createdAt: row.created_at,
  ready: row.ready === 1,
});

// In the project's main object only: the registry of its other branches, and which branch
// each version number went to. Version numbers are per project, so a number names one
// version whatever its branch; numbers not listed here are main's.
export class BranchStore {
  private readonly sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  get(name: string): BranchRecord | null {
    const row = this.sql.exec<BranchRow>("SELECT * FROM branches WHERE name = ?", name).toArray()[0];
    return row === undefined ? null : record(row);
  }

  all(): BranchRecord[] {
    return this.sql.exec<BranchRow>("SELECT * FROM branches WHERE ready = 1 ORDER BY name").toArray().map(record);
  }

  /** Every branch the registry has a row for, a creation cut short included (retention roots). */
  recorded(): BranchRecord[] {
    return this.sql.exec<BranchRow>("SELECT * FROM branches ORDER BY name").toArray().map(record);
  }

  insert(branch: Omit<BranchRecord, "ready">): void {
    this.sql.exec(
      "INSERT INTO branches (name, from_version, first_version, created_by, created_at, ready) VALUES (?, ?, ?, ?, ?, 0)",
      branch.name, branch.fromVersion, branch.firstVersion, branch.createdBy, branch.createdAt,
    );
  }

  markReady(name: string): void {
    this.sql.exec("UPDATE branches SET ready = 1 WHERE name = ?", name);
  }

  assign(number: number, branch: string): void {
    this.sql.exec("INSERT INTO version_branches (number, branch) VALUES (?, ?)", number, branch);
  }

  /** The branch a version number went to; null when the number is not one of another branch. */
  branchOf(number: number): string | null {
    return this.sql.exec<{ branch: string }>("SELECT branch FROM version_branches WHERE number = ?", number).toArray()[0]?.branch ?? null;
  }
}
