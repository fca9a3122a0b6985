// The DO's own SQLite schema. Each entry runs once, in order; the applied count is
// stored in _schema so a new deployment only runs what is new.
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     project_id TEXT NOT NULL, owner_user_id TEXT NOT NULL, name TEXT NOT NULL,
     resume_override INTEGER, created_at INTEGER NOT NULL, next_version INTEGER NOT NULL);
   CREATE TABLE jobs (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE, version_id TEXT NOT NULL, version_number INTEGER NOT NULL UNIQUE,
     kind TEXT NOT NULL, prompt TEXT NOT NULL, user_id TEXT NOT NULL,
     status TEXT NOT NULL, step TEXT, idempotency_key TEXT UNIQUE, prompt_hash TEXT NOT NULL,
     resume_decision TEXT, resume_reason TEXT, session_in TEXT, session_out TEXT,
     totals TEXT NOT NULL, warnings TEXT NOT NULL DEFAULT '[]', done_steps TEXT NOT NULL DEFAULT '[]',
     error_code TEXT, error_message TEXT,
     created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER);
   CREATE INDEX jobs_status ON jobs(status, seq);
   CREATE TABLE chain (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     head_session_id TEXT, head_version_number INTEGER, head_created_at INTEGER, head_last_used_at INTEGER,
     resumable INTEGER NOT NULL DEFAULT 1, failure_count INTEGER NOT NULL DEFAULT 0,
     generation INTEGER NOT NULL DEFAULT 0, fingerprint TEXT, reset_pending INTEGER NOT NULL DEFAULT 0);
   INSERT INTO chain (id) VALUES (1);
   CREATE TABLE chain_history (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, parent_session_id TEXT,
     version_number INTEGER NOT NULL, operation TEXT NOT NULL, relation TEXT NOT NULL, at INTEGER NOT NULL);
   CREATE TABLE job_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, type TEXT NOT NULL,
     data TEXT NOT NULL, at INTEGER NOT NULL);
   CREATE INDEX job_events_job ON job_events(job_id, id);
   CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT NOT NULL, payload TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);`,
  // Project memory (storage/memory.ts): the latest documentation, and a bounded log of updates.
  `CREATE TABLE project_memory (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     documentation TEXT, recommendations TEXT NOT NULL DEFAULT '[]',
     documented_version INTEGER, documented_at INTEGER);
   INSERT INTO project_memory (id) VALUES (1);
   CREATE TABLE memory_updates (
     version_number INTEGER PRIMARY KEY, kind TEXT NOT NULL, prompt TEXT NOT NULL,
     changed_paths TEXT, outcome TEXT NOT NULL, at INTEGER NOT NULL);`,
  // Resets as a counter pair (requested/applied) so a reset during a job is not lost;
  // reset_seen is what the running job's decision saw. Writes Postgres refused for good;
  // the runner slot a job holds; retention of finished jobs.
  `ALTER TABLE chain ADD COLUMN reset_requested INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE chain ADD COLUMN reset_applied INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE chain ADD COLUMN reset_seen INTEGER NOT NULL DEFAULT 0;
   UPDATE chain SET reset_requested = reset_pending;
   CREATE TABLE outbox_dead (
     seq INTEGER PRIMARY KEY, op TEXT NOT NULL, payload TEXT NOT NULL, sql_state TEXT,
     error TEXT NOT NULL, session_id TEXT, at INTEGER NOT NULL);
   CREATE INDEX outbox_dead_session ON outbox_dead(session_id);
   ALTER TABLE jobs ADD COLUMN runner_slot TEXT;
   ALTER TABLE jobs ADD COLUMN waiting_since INTEGER;
   CREATE INDEX jobs_finished ON jobs(finished_at);`,
  // Long runs: the run a job follows (its id and how far its events were read), the
  // job's progress and interruption counters, and whether a run may have left the
  // workspace different from the chain's tree.
  `ALTER TABLE jobs ADD COLUMN progress INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE jobs ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE jobs ADD COLUMN invocation_progress INTEGER;
   ALTER TABLE jobs ADD COLUMN runs_started INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE jobs ADD COLUMN context_tokens INTEGER;
   CREATE TABLE job_runs (
     job_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, step TEXT NOT NULL, session_in TEXT,
     attempt INTEGER NOT NULL, acknowledged INTEGER NOT NULL DEFAULT 0,
     event_offset INTEGER NOT NULL DEFAULT 0, final_seen INTEGER NOT NULL DEFAULT 0);
   CREATE TABLE workspace_state (id INTEGER PRIMARY KEY CHECK (id = 1), dirty INTEGER NOT NULL DEFAULT 0);
   INSERT INTO workspace_state (id) VALUES (1);`,
  // The resume policy (storage/policy.ts): the head's prefix in the prompt cache, the learned
  // profile and recent pauses; each job's plan and observed steps; a project's own policy.
  `CREATE TABLE policy_state (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     profile TEXT, prefix TEXT, gaps TEXT NOT NULL DEFAULT '[]', last_step_at INTEGER);
   INSERT INTO policy_state (id) VALUES (1);
   CREATE TABLE policy_jobs (
     job_id TEXT PRIMARY KEY, plan TEXT NOT NULL, facts TEXT NOT NULL, cache_ttl TEXT,
     steps TEXT NOT NULL DEFAULT '{}', fell_back INTEGER NOT NULL DEFAULT 0);
   ALTER TABLE meta ADD COLUMN session_policy TEXT;`,
  // Restores and branches. One object per branch: meta says which (main: the project
  // itself). Every object keeps its versions (what a restore, a pin, retention and the file
  // routes need; kept after the job rows are pruned). Main also numbers the versions of
  // every branch (per project) and keeps the branch registry. A restore or branch job
  // carries its source version in jobs.source.
  `ALTER TABLE meta ADD COLUMN branch TEXT NOT NULL DEFAULT 'main';
   ALTER TABLE meta ADD COLUMN branched_from INTEGER;
   ALTER TABLE meta ADD COLUMN retention_ran_at INTEGER;
   ALTER TABLE jobs ADD COLUMN source TEXT;
   CREATE TABLE versions (
     number INTEGER PRIMARY KEY, id TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
     tree_hash TEXT, session_id TEXT, restored_from INTEGER, pinned INTEGER NOT NULL DEFAULT 0,
     pruned_at INTEGER, error_code TEXT, error_message TEXT, created_at INTEGER NOT NULL, finished_at INTEGER);
   INSERT INTO versions (number, id, kind, status, session_id, error_code, error_message, created_at, finished_at)
     SELECT version_number, version_id, kind,
       CASE WHEN status IN ('succeeded', 'failed') THEN status ELSE 'queued' END,
       session_out, error_code, error_message, created_at, finished_at FROM jobs;
   CREATE TABLE branches (
     name TEXT PRIMARY KEY, from_version INTEGER NOT NULL, first_version INTEGER NOT NULL,
     created_by TEXT NOT NULL, created_at INTEGER NOT NULL, ready INTEGER NOT NULL DEFAULT 0);
   CREATE TABLE version_branches (number INTEGER PRIMARY KEY, branch TEXT NOT NULL);`,
  // Leases that keep saves and the garbage collector of R2 apart (src/artifacts/leases.ts;
  // main's object keeps them for the whole project).
  `CREATE TABLE artifact_leases (holder TEXT PRIMARY KEY, kind TEXT NOT NULL, expires_at INTEGER NOT NULL);`,
  // How often the outbox's head write was refused for a row another object has not sent
  // yet (src/do/flush.ts): it waits for it a bounded number of times, then dead-letters.
  `ALTER TABLE outbox ADD COLUMN parent_waits INTEGER NOT NULL DEFAULT 0;`,
];

export function migrate(sql: SqlStorage): void {
  applyMigrations(sql, MIGRATIONS);
}

/** True once this object has a schema: a read-only look that creates nothing. */
export function schemaExists(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_schema'").toArray().length > 0;
}

/** Runs the entries of `migrations` not applied yet (any SQLite-backed object's schema). */
export function applyMigrations(sql: SqlStorage, migrations: readonly string[]): void {
  sql.exec("CREATE TABLE IF NOT EXISTS _schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM _schema WHERE id = 1").toArray()[0];
  const applied = row?.version ?? 0;
  for (let i = applied; i < migrations.length; i++) {
    const statement = migrations[i];
    if (statement !== undefined) sql.exec(statement);
  }
  if (applied < migrations.length) {
    sql.exec("INSERT INTO _schema (id, version) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET version = excluded.version", migrations.length);
  }
}
