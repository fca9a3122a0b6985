// The version log every build and update gets (the runner writes it to .session-chain/versions.md),
// built from what the project memory keeps of each version: pure, so it is tested on its own.
import type { VersionKind } from "../domain/views.ts";
import type { VersionLog, VersionLogEntry } from "../runner/protocol.ts";
import { MAX_VERSION_LOG_ENTRIES, MAX_VERSION_LOG_PATHS, MAX_VERSION_LOG_REQUEST_CHARS } from "../runner/protocol.ts";

/** What the log needs of one version (the project memory's RememberedUpdate has it). */
export interface LoggedRequest {
  versionNumber: number;
  kind: VersionKind;
  prompt: string;
  changedPaths: string[] | null;
  outcome: "succeeded" | "failed";
}

/** VERSION_LOG: "on" (the default) or "off" (today's product before the log: the benchmark's legacy mode). */
export function versionLogEnabled(env: { VERSION_LOG: string }): boolean {
  const raw = env.VERSION_LOG.trim().toLowerCase();
  if (raw === "" || raw === "on") return true;
  if (raw === "off") return false;
  throw new Error(`config VERSION_LOG must be on|off, got "${env.VERSION_LOG}"`);
}

function entryOf(request: LoggedRequest): VersionLogEntry {
  const paths = request.changedPaths;
  return {
    versionNumber: request.versionNumber,
    kind: request.kind,
    outcome: request.outcome,
    request: request.prompt.slice(0, MAX_VERSION_LOG_REQUEST_CHARS),
    requestTruncated: request.prompt.length > MAX_VERSION_LOG_REQUEST_CHARS,
    changedPaths: paths === null ? null : paths.slice(0, MAX_VERSION_LOG_PATHS),
    morePaths: paths === null ? 0 : Math.max(0, paths.length - MAX_VERSION_LOG_PATHS),
  };
}

/**
 * The log for version `current`: the last MAX_VERSION_LOG_ENTRIES versions before it, oldest
 * first, each request and path list cut (the entry says so); null when there is none.
 */
export function buildVersionLog(requests: readonly LoggedRequest[], current: number): VersionLog | null {
  const entries = requests
    .filter((r) => r.versionNumber < current)
    .sort((a, b) => a.versionNumber - b.versionNumber)
    .slice(-MAX_VERSION_LOG_ENTRIES)
    .map(entryOf);
  return entries.length === 0 ? null : entries;
}
