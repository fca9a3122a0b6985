// Where each workspace's state lives (the DO names workspaces by project id and branch). One
// directory per workspace keeps projects isolated: its own workspace (the engine's cwd) and
// its own CLAUDE_CONFIG_DIR, so the engine can never find one project's transcript from
// another. The on-disk layout keeps the `projects/` name so transcripts, which record the
// workspace's absolute path, stay valid across runner versions.
import path from "node:path";
import { WORKSPACE_ID_PATTERN } from "./protocol.ts";

export interface ProjectPaths {
  root: string;
  workspace: string;
  claudeConfig: string;
  /** Where Claude Code keeps transcripts: one subdirectory per sanitized cwd. */
  transcriptsRoot: string;
  /** The subdirectory Claude Code uses for this project's workspace as cwd. */
  transcriptsDir: string;
  /** The fingerprint the previous run (or tree import) left, for `changes`. */
  baselineFile: string;
  /** Blobs uploaded for the next tree import, named by their sha256. */
  blobsDir: string;
}

export function projectPaths(dataDir: string, workspaceId: string): ProjectPaths {
  // Callers validate workspaceId against the protocol regex first; this is a second guard.
  if (!WORKSPACE_ID_PATTERN.test(workspaceId)) throw new Error("invalid workspaceId");
  const root = path.join(path.resolve(dataDir), "projects", workspaceId);
  const workspace = path.join(root, "workspace");
  const claudeConfig = path.join(root, "claude");
  const transcriptsRoot = path.join(claudeConfig, "projects");
  return {
    root,
    workspace,
    claudeConfig,
    transcriptsRoot,
    transcriptsDir: path.join(transcriptsRoot, sanitizeCwd(workspace)),
    baselineFile: path.join(root, "fingerprint.json"),
    blobsDir: path.join(root, "blobs"),
  };
}

/**
 * Claude Code's directory name for a cwd: every non-alphanumeric character becomes `-`.
 * (It shortens very long names; that does not matter here because on resume the engine
 * searches every subdirectory of its config dir, as measured.)
 */
export function sanitizeCwd(cwd: string): string {
  return cwd.replace(/[^a-zA-Z0-9]/g, "-");
}

/** Where runs keep their request and event log, one directory per run id. */
export function runsDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), "runs");
}
