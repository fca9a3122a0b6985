// Where each project's state lives. One directory per project keeps projects isolated:
// its own workspace (the engine's cwd) and its own CLAUDE_CONFIG_DIR, so the engine can
// never find one project's transcript from another.
import path from "node:path";

export interface ProjectPaths {
  root: string;
  workspace: string;
  claudeConfig: string;
  /** Where Claude Code keeps transcripts: one subdirectory per sanitized cwd. */
  transcriptsRoot: string;
  /** The subdirectory Claude Code uses for this project's workspace as cwd. */
  transcriptsDir: string;
  /** The fingerprint the previous run (or snapshot import) left, for `changes`. */
  baselineFile: string;
}

export function projectPaths(dataDir: string, projectId: string): ProjectPaths {
  // Callers validate projectId against the protocol regex first; this is a second guard.
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(projectId)) throw new Error("invalid projectId");
  const root = path.join(path.resolve(dataDir), "projects", projectId);
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
