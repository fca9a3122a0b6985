// Which tool calls of the engine may run: only the file tools below, and only on paths that
// resolve (symlinks followed) inside the project's workspace. Every other tool is refused.
import { checkPattern } from "./glob-rules.ts";
import { findEscapingLink } from "./links.ts";
import { checkPath } from "./path-rules.ts";
import type { Workspace } from "./path-rules.ts";

export type { Workspace } from "./path-rules.ts";

type Input = Record<string, unknown>;
/** null when the call may run; otherwise the reason it may not. */
type Checker = (input: Input, ws: Workspace) => Promise<string | null>;

/** A tool whose one path argument names the file it reads or writes. */
function fileAt(key: string): Checker {
  return async (input, ws) => {
    const raw = input[key];
    if (typeof raw !== "string" || raw === "") return `${key} is missing`;
    const check = await checkPath(raw, ws);
    return check.ok ? null : check.reason;
  };
}

/** An optional directory argument (default: the cwd), resolved inside the workspace. */
async function searchRoot(raw: unknown, ws: Workspace): Promise<{ physical: string } | { reason: string }> {
  const check = await checkPath(typeof raw === "string" && raw !== "" ? raw : ".", ws);
  return check.ok ? { physical: check.physical } : { reason: check.reason };
}

async function linksBelow(dir: string, ws: Workspace): Promise<string | null> {
  const link = await findEscapingLink(dir, ws.root);
  return link === null ? null : `the search would cross a symlink that leads outside the project's workspace (${link.slice(0, 200)})`;
}

const glob: Checker = async (input, ws) => {
  const pattern = input.pattern;
  if (typeof pattern !== "string" || pattern === "") return "pattern is missing";
  const root = await searchRoot(input.path, ws);
  if ("reason" in root) return root.reason;
  const shape = checkPattern(pattern);
  if (!shape.ok) return shape.reason;
  // An absolute pattern ignores `path`; a relative one starts below it.
  const base = await checkPath(shape.base, ws, root.physical);
  if (!base.ok) return `pattern: ${base.reason}`;
  return linksBelow(base.physical, ws);
};

const grep: Checker = async (input, ws) => {
  const root = await searchRoot(input.path, ws);
  if ("reason" in root) return root.reason;
  // `glob` only filters file names under the root; it still must not name anything outside.
  if (typeof input.glob === "string" && input.glob !== "") {
    const shape = checkPattern(input.glob);
    if (!shape.ok) return shape.reason;
  }
  return linksBelow(root.physical, ws);
};

/** LS (Claude Code before 2.1) lists one directory, without following links below it. */
const ls: Checker = async (input, ws) => {
  const root = await searchRoot(input.path, ws);
  return "reason" in root ? root.reason : null;
};

const CHECKERS: Readonly<Record<string, Checker>> = {
  Read: fileAt("file_path"),
  Write: fileAt("file_path"),
  Edit: fileAt("file_path"),
  NotebookEdit: fileAt("notebook_path"),
  Glob: glob,
  Grep: grep,
  LS: ls,
};

/** Tools this policy knows how to confine; any other tool call is refused. */
export const CONFINED_TOOLS: readonly string[] = Object.keys(CHECKERS);

/** null when the call may run; otherwise why not. Never throws: a failed check refuses. */
export async function checkToolCall(name: string, input: unknown, ws: Workspace): Promise<string | null> {
  const checker = Object.hasOwn(CHECKERS, name) ? CHECKERS[name] : undefined;
  if (checker === undefined) return `the ${name.slice(0, 100)} tool is not available in this workspace`;
  if (typeof input !== "object" || input === null) return "the tool input is not an object";
  try {
    return await checker(input as Input, ws);
  } catch {
    return "the call could not be checked";
  }
}
