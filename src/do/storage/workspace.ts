// What the DO knows about the runner's workspace beyond the chain's fingerprint: whether a
// run of ours may have changed it since it last matched the chain's tree (a run was
// started and its result not recorded). Then it must be reset before anything runs on it.
export class WorkspaceStore {
  private readonly sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  dirty(): boolean {
    return this.sql.exec<{ dirty: number }>("SELECT dirty FROM workspace_state WHERE id = 1").one().dirty === 1;
  }

  markDirty(): void {
    this.sql.exec("UPDATE workspace_state SET dirty = 1 WHERE id = 1");
  }

  /** The workspace is the chain's tree again (a step was recorded, or a reset verified). */
  markClean(): void {
    this.sql.exec("UPDATE workspace_state SET dirty = 0 WHERE id = 1");
  }
}
