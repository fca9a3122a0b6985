// The path arguments of the engine's tools: what a path may look like, and whether what it
// names (symlinks followed) lies inside the project's workspace.
import path from "node:path";
import { isWithin, resolvePhysical } from "./resolve.ts";

export interface Workspace {
  /** The engine's cwd as given to it: relative paths resolve against it. */
  cwd: string;
  /** realpath of the workspace: the one directory tool calls may touch. */
  root: string;
}

export type PathCheck = { ok: true; physical: string } | { ok: false; reason: string };

/** Control and invisible formatting characters (zero-width, bidi overrides, BOM). */
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/;

/**
 * Rules on the text itself, before any filesystem access. Claude Code trims whitespace and
 * expands a leading `~` (measured on 2.1.330: `" /etc/x"` reads /etc/x, `~/x` reads
 * $HOME/x), so both are refused rather than interpreted differently from the engine; a
 * `..` segment is refused even when it would stay inside, because `link/..` leads
 * somewhere else on disk than in a string.
 */
export function syntaxProblem(raw: string): string | null {
  if (raw !== raw.trim()) return "leading or trailing whitespace in a path is not allowed";
  if (HIDDEN.test(raw)) return "control or invisible characters in a path are not allowed";
  if (raw.startsWith("~")) return "'~' paths are outside the project's workspace";
  if (raw.includes("\\")) return "backslashes in a path are not allowed";
  if (raw.split("/").includes("..")) return "'..' in a path is not allowed";
  return null;
}

/**
 * Checks one path argument: absolute, or relative to `from` (the engine's cwd by default).
 * The path must name a place in the workspace as written, and what it names on disk
 * (symlinks followed) must be in the workspace too. Requiring both keeps /proc's magic links
 * (`/proc/self/fd/3`, `/proc/self/cwd`) out: they mean one thing for the engine and another
 * for the runner that checks them.
 */
export async function checkPath(raw: string, ws: Workspace, from: string = ws.cwd): Promise<PathCheck> {
  const problem = syntaxProblem(raw);
  if (problem !== null) return { ok: false, reason: problem };
  const lexical = path.resolve(from, raw);
  if (!isWithin(lexical, ws.cwd) && !isWithin(lexical, ws.root)) return { ok: false, reason: "the path is outside the project's workspace" };
  let physical: string;
  try {
    physical = await resolvePhysical(lexical);
  } catch {
    // A symlink loop or an unreadable directory: nothing we can vouch for.
    return { ok: false, reason: "the path cannot be resolved" };
  }
  return isWithin(physical, ws.root) ? { ok: true, physical } : { ok: false, reason: "a symlink leads outside the project's workspace" };
}
