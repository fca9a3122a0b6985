// What the model "knows" about files: only what is in its context. A file's content is
// known after a successful Read result, the model's own Write, or an Edit applied to known
// content; Claude Code's post-compaction file attachments count as Reads. The model never
// looks at the disk, so a fresh session must Read before it can Edit.
import { posix } from "node:path";
import { CONTINUATION_PREFIX, stripReminders } from "./conversation.ts";
import type { Message, ToolResultBlock, ToolUseBlock } from "./types.ts";

export type FileAction = "created" | "edited" | "read";

export interface Knowledge {
  cwd: string | null;
  /** Absolute path → content the model has in context. */
  contents: Map<string, string>;
  /** Paths known to exist (content may be unknown, e.g. from a listing). */
  existing: Set<string>;
  /** Paths a Read reported as missing. */
  gone: Set<string>;
  actions: Map<string, Set<FileAction>>;
}

export function emptyKnowledge(cwd: string | null): Knowledge {
  return { cwd, contents: new Map(), existing: new Set(), gone: new Set(), actions: new Map() };
}

export function resolvePath(cwd: string | null, path: string): string {
  if (path.startsWith("/") || cwd === null) return posix.normalize(path);
  return posix.join(cwd, path);
}

export function displayPath(k: Knowledge, abs: string): string {
  if (k.cwd === null) return abs;
  const rel = posix.relative(k.cwd, abs);
  return rel.startsWith("..") ? abs : rel;
}

export function lineCount(content: string): number {
  return content === "" ? 0 : content.replace(/\n$/, "").split("\n").length;
}

/** Content from Read's `cat -n` style output ("N\tline", or "N→line" in older versions). */
export function parseReadOutput(text: string): string {
  const lines: string[] = [];
  for (const line of stripReminders(text).split("\n")) {
    const match = /^\s*\d+(?:\t|→)(.*)$/.exec(line);
    if (match) lines.push(match[1] ?? "");
    else if (/^\s*\d+$/.test(line)) lines.push("");
  }
  return lines.join("\n");
}

function note(k: Knowledge, path: string, action: FileAction): void {
  const set = k.actions.get(path) ?? new Set<FileAction>();
  set.add(action);
  k.actions.set(path, set);
}

function learnContent(k: Knowledge, path: string, content: string): void {
  k.contents.set(path, content);
  k.existing.add(path);
  k.gone.delete(path);
}

/**
 * The paths a listing or search names, one per line (Glob, Grep in files_with_matches mode,
 * `find`, `grep -l`): lines that are paths, without headers such as "Found 3 files".
 */
export function listedPaths(k: Knowledge, output: string): string[] {
  return stripReminders(output)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("/") || (line !== "" && !/\s/.test(line) && !/^\(/.test(line)))
    .map((line) => resolvePath(k.cwd, line));
}

function learnListing(k: Knowledge, output: string): void {
  for (const path of listedPaths(k, output)) {
    k.existing.add(path);
    k.gone.delete(path);
  }
}

const LISTING_COMMAND = /^\s*(?:find|grep)\s/;

function stringField(input: Record<string, unknown>, field: string): string | null {
  const value = input[field];
  return typeof value === "string" ? value : null;
}

/** Updates knowledge with one tool call and its result (calls without a result teach nothing). */
export function applyExchange(k: Knowledge, call: ToolUseBlock, result: ToolResultBlock | null): void {
  if (result === null) return;
  const rawPath = stringField(call.input, "file_path");
  const path = rawPath === null ? null : resolvePath(k.cwd, rawPath);
  if (result.isError) {
    if (call.name === "Read" && path !== null && /does not exist/i.test(result.text)) {
      k.contents.delete(path);
      k.existing.delete(path);
      k.gone.add(path);
    }
    return;
  }
  if (call.name === "Read" && path !== null) {
    // A partial read or "unchanged since last read" stub leaves earlier knowledge as it was.
    const partial = call.input["offset"] !== undefined || call.input["limit"] !== undefined;
    if (!partial && !/^File unchanged since last read/i.test(stripReminders(result.text))) learnContent(k, path, parseReadOutput(result.text));
    k.existing.add(path);
    note(k, path, "read");
  } else if (call.name === "Write" && path !== null) {
    const content = stringField(call.input, "content") ?? "";
    note(k, path, k.existing.has(path) ? "edited" : "created");
    learnContent(k, path, content);
  } else if (call.name === "Edit" && path !== null) {
    const before = k.contents.get(path);
    const oldString = stringField(call.input, "old_string");
    const newString = stringField(call.input, "new_string");
    if (before === undefined || oldString === null || newString === null) k.contents.delete(path);
    else learnContent(k, path, call.input["replace_all"] === true ? before.split(oldString).join(newString) : before.replace(oldString, () => newString));
    k.existing.add(path);
    note(k, path, "edited");
  } else if (call.name === "Glob" || call.name === "Grep" || (call.name === "Bash" && LISTING_COMMAND.test(stringField(call.input, "command") ?? ""))) {
    learnListing(k, result.text);
  }
}

/** Claude Code re-attaches recently used files after compaction as "Called the Read tool…" /
 * "Result of calling the Read tool…" reminder pairs; they count as Reads. */
const ATTACHMENT = /Called the Read tool with the following input: (\{[^\n]*\})|Result of calling the Read tool:\n([\s\S]*?)<\/system-reminder>/g;

function attachedPath(k: Knowledge, json: string): string | null {
  try {
    const input: unknown = JSON.parse(json);
    const filePath = typeof input === "object" && input !== null && "file_path" in input ? input.file_path : null;
    return typeof filePath === "string" ? resolvePath(k.cwd, filePath) : null;
  } catch {
    return null;
  }
}

function learnAttachments(k: Knowledge, text: string, pending: Array<string | null>): void {
  for (const match of text.matchAll(ATTACHMENT)) {
    if (match[1] !== undefined) pending.push(attachedPath(k, match[1]));
    else if (match[2] !== undefined) {
      const path = pending.shift();
      if (path !== undefined && path !== null) learnContent(k, path, parseReadOutput(match[2]));
    }
  }
}

/** Our own compaction summary lists files as "- <path> (<n> lines): created, edited". */
export const SUMMARY_FILE_LINE = /^\s*- (\S+) \((?:\d+ lines|content not in context)\): ([a-z, ]+)$/gm;

function learnSummary(k: Knowledge, text: string): void {
  for (const match of text.matchAll(SUMMARY_FILE_LINE)) {
    const path = resolvePath(k.cwd, match[1] ?? "");
    k.existing.add(path);
    for (const action of (match[2] ?? "").split(", ")) {
      if (action === "created" || action === "edited" || action === "read") note(k, path, action);
    }
  }
}

/** Knowledge when messages[before] (the latest prompt) is read: everything up to and including it. */
export function knowledgeFromHistory(messages: readonly Message[], before: number, cwd: string | null): Knowledge {
  const k = emptyKnowledge(cwd);
  const calls = new Map<string, ToolUseBlock>();
  const pending: Array<string | null> = [];
  for (const message of messages.slice(0, before + 1)) {
    for (const block of message.blocks) {
      if (block.kind === "tool_use") calls.set(block.id, block);
      else if (block.kind === "tool_result") {
        const call = calls.get(block.toolUseId);
        if (call !== undefined) applyExchange(k, call, block);
      } else if (block.kind === "text" && message.role === "user") {
        if (block.text.startsWith(CONTINUATION_PREFIX)) learnSummary(k, block.text);
        learnAttachments(k, block.text, pending);
      }
    }
  }
  return k;
}

/** Known files under a directory, sorted. */
export function filesUnder(k: Knowledge, dir: string): string[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  return [...k.existing].filter((p) => p.startsWith(prefix)).sort();
}
