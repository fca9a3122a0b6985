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
];

export function migrate(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS _schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM _schema WHERE id = 1").toArray()[0];
  const applied = row?.version ?? 0;
  for (let i = applied; i < MIGRATIONS.length; i++) {
    const statement = MIGRATIONS[i];
    if (statement !== undefined) sql.exec(statement);
  }
  if (applied < MIGRATIONS.length) {
    sql.exec("INSERT INTO _schema (id, version) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET version = excluded.version", MIGRATIONS.length);
  }
}
