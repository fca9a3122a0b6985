// The version log a new session gets (the runner writes it to .session-chain/versions.md):
// built from the project memory in the DO's own SQLite (storage/memory.ts keeps the last
// MAX_REMEMBERED_UPDATES versions with their request and changed paths), so no Postgres read.
import type { VersionLog, VersionLogEntry } from "../runner/protocol.ts";
import { MAX_VERSION_LOG_ENTRIES, MAX_VERSION_LOG_PATHS, MAX_VERSION_LOG_REQUEST_CHARS } from "../runner/protocol.ts";
import type { JobContext } from "./context.ts";
import type { RememberedUpdate } from "./storage/memory.ts";

/** VERSION_LOG: "on" (the default) or "off" (today's product before the log: the benchmark's legacy mode). */
export function versionLogEnabled(env: Pick<Env, "VERSION_LOG">): boolean {
  const raw = env.VERSION_LOG.trim().toLowerCase();
  if (raw === "" || raw === "on") return true;
  if (raw === "off") return false;
  throw new Error(`config VERSION_LOG must be on|off, got "${env.VERSION_LOG}"`);
}

function entryOf(update: RememberedUpdate): VersionLogEntry {
  const paths = update.changedPaths;
  return {
    versionNumber: update.versionNumber,
    kind: update.kind,
    outcome: update.outcome,
    request: update.prompt.slice(0, MAX_VERSION_LOG_REQUEST_CHARS),
    requestTruncated: update.prompt.length > MAX_VERSION_LOG_REQUEST_CHARS,
    changedPaths: paths === null ? null : paths.slice(0, MAX_VERSION_LOG_PATHS),
    morePaths: paths === null ? 0 : Math.max(0, paths.length - MAX_VERSION_LOG_PATHS),
  };
}

/**
 * The log for version `current`: the last MAX_VERSION_LOG_ENTRIES versions before it, oldest
 * first, each request and path list cut (the entry says so); null when there is none.
 */
export function buildVersionLog(updates: readonly RememberedUpdate[], current: number): VersionLog | null {
  const entries = updates
    .filter((u) => u.versionNumber < current)
    .sort((a, b) => a.versionNumber - b.versionNumber)
    .slice(-MAX_VERSION_LOG_ENTRIES)
    .map(entryOf);
  return entries.length === 0 ? null : entries;
}

/** The job's log when it starts a new session and VERSION_LOG is on. */
export function versionLogFor(ctx: Pick<JobContext, "versionLog" | "memory" | "job">): VersionLog | null {
  return ctx.versionLog ? buildVersionLog(ctx.memory.recentUpdates(MAX_VERSION_LOG_ENTRIES + 1), ctx.job.versionNumber) : null;
}
