// The deterministic coding "model": carries out a request's edits with Claude Code's file tools.
// Written as a generator that yields batches of tool calls (one response each) and receives
// their outcomes; the server is stateless, so every request replays the current turn's
// recorded calls and results through a fresh generator and answers with whatever it yields next.
import type { ToolExchange } from "./conversation.ts";
import { featurePatternSource, mentionsFeature } from "./features.ts";
import { PRODUCT_DIR } from "../../container/src/product-dir.ts";
import { applyExchange, displayPath, filesUnder, listedPaths, resolvePath } from "./knowledge.ts";
import type { Knowledge } from "./knowledge.ts";
import type { Edit, Resolved } from "./resolve.ts";
import { scaffoldFileName } from "./scaffold.ts";
import { scaffoldFile } from "./scaffold-size.ts";
import type { SizeKb } from "./scaffold-size.ts";
import { tokensForChars } from "./tokens.ts";

export interface ToolCall {
  name: string;
  input: Record<string, unknown>;
}

export interface ToolOutcome {
  text: string;
  isError: boolean;
}

/** Yields tool-call batches, receives their outcomes, returns report lines for the final answer. */
export type Step<T> = Generator<ToolCall[], T, ToolOutcome[]>;

/**
 * Independent calls go out together in one response; a response carries at most this many
 * tokens of tool input (about 32 KB of file content to write), so writing many files takes
 * several responses while Reads, Globs and small Edits all go out at once. No count cap.
 */
export const RESPONSE_OUTPUT_BUDGET_TOKENS = 8192;

/** Claude Code's refusals to write a file the conversation has not read (or that changed since). */
const NEEDS_READ = /has not been read yet|modified since|Read it first/i;

export interface AgentEnv {
  k: Knowledge;
  tools: ReadonlySet<string>;
  seed: number;
}

const read = (path: string): ToolCall => ({ name: "Read", input: { file_path: path } });
const write = (path: string, content: string): ToolCall => ({ name: "Write", input: { file_path: path, content } });
const edit = (path: string, oldString: string, newString: string, replaceAll: boolean): ToolCall => ({
  name: "Edit",
  input: { file_path: path, old_string: oldString, new_string: newString, replace_all: replaceAll },
});

function firstLine(text: string): string {
  return (text.replace(/<\/?tool_use_error>/g, "").split("\n")[0] ?? "").slice(0, 200);
}

function callTokens(call: ToolCall): number {
  return tokensForChars(call.name.length + JSON.stringify(call.input).length);
}

/** Groups independent calls into responses within the output budget (at least one call each). */
export function responses(calls: readonly ToolCall[]): ToolCall[][] {
  const out: ToolCall[][] = [];
  let tokens = 0;
  for (const call of calls) {
    const cost = callTokens(call);
    const current = out.at(-1);
    if (current === undefined || tokens + cost > RESPONSE_OUTPUT_BUDGET_TOKENS) {
      out.push([call]);
      tokens = cost;
    } else {
      current.push(call);
      tokens += cost;
    }
  }
  return out;
}

export function* batched(calls: readonly ToolCall[]): Step<ToolOutcome[]> {
  const outcomes: ToolOutcome[] = [];
  for (const batch of responses(calls)) {
    const results = yield batch;
    batch.forEach((_, j) => outcomes.push(results[j] ?? { text: "no result", isError: true }));
  }
  return outcomes;
}

function* one(call: ToolCall): Step<ToolOutcome> {
  const [outcome] = yield* batched([call]);
  return outcome ?? { text: "no result", isError: true };
}

/** The shortest tail of `content` (whole lines) that occurs once: a safe Edit anchor for appending. */
export function uniqueTail(content: string): string {
  let start = content.length;
  while (start > 0) {
    start = content.lastIndexOf("\n", start - 2) + 1;
    const tail = content.slice(start);
    if (tail.trim() !== "" && content.split(tail).length === 2) return tail;
  }
  return content;
}

/** An Edit that removes the last occurrence of `text`: the occurrence widened by whole lines until it is unique. */
export function removalEdit(content: string, text: string): { oldString: string; newString: string } | null {
  const at = content.lastIndexOf(text);
  if (at === -1 || text === "") return null;
  let start = at;
  let end = at + text.length;
  while (content.split(content.slice(start, end)).length !== 2) {
    if (start > 0) start = content.lastIndexOf("\n", start - 2) + 1;
    else if (end < content.length) end = Math.max(end + 1, content.indexOf("\n", end) + 1 || content.length);
    else break;
  }
  const window = content.slice(start, end);
  return { oldString: window, newString: window.slice(0, at - start) + window.slice(at - start + text.length) };
}

/** Lists a directory with Glob, or `find` through Bash where Glob is not offered. */
function listingCall(tools: ReadonlySet<string>, dir: string, description: string): ToolCall | null {
  if (tools.has("Glob")) return { name: "Glob", input: { pattern: "**/*", path: dir } };
  if (!tools.has("Bash")) return null;
  return { name: "Bash", input: { command: `find '${dir.replace(/'/g, "'\\''")}' -type f | sort`, description } };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Files that contain `text`: Grep (or `grep -rlF` through Bash) over a directory. */
function searchCall(tools: ReadonlySet<string>, dir: string, text: string): ToolCall | null {
  if (tools.has("Grep")) return { name: "Grep", input: { pattern: escapeRegExp(text), path: dir, output_mode: "files_with_matches" } };
  if (!tools.has("Bash")) return null;
  const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  return { name: "Bash", input: { command: `grep -rlF -- ${quote(text)} ${quote(dir)}`, description: `Find files containing ${text}` } };
}

/** Files that name a feature: a case-insensitive Grep for its words (or `grep -rliE` through Bash). */
function featureSearchCall(tools: ReadonlySet<string>, dir: string, feature: string): ToolCall | null {
  const pattern = featurePatternSource(feature);
  if (tools.has("Grep")) return { name: "Grep", input: { pattern, path: dir, "-i": true, output_mode: "files_with_matches" } };
  if (!tools.has("Bash")) return null;
  const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  return { name: "Bash", input: { command: `grep -rliE -- ${quote(pattern)} ${quote(dir)}`, description: `Find the ${feature}` } };
}

function appendCall(path: string, content: string, text: string): ToolCall {
  if (content.trim() === "") return write(path, text);
  const anchor = uniqueTail(content);
  return edit(path, anchor, `${anchor}${anchor.endsWith("\n") ? "" : "\n"}${text}`, false);
}

/** A path in the product's own directory (the version log): never an edit's target. */
function isProductPath(k: Knowledge, abs: string): boolean {
  const rel = displayPath(k, abs);
  return rel === PRODUCT_DIR || rel.startsWith(`${PRODUCT_DIR}/`);
}

/** How one file is changed, given its current content: a tool call, or null when there is nothing to do. */
type FileChange = (path: string, content: string) => ToolCall | null;

class Agent {
  readonly #env: AgentEnv;
  /** Paths Read during this turn: their content is as current as it can be. */
  readonly #fresh = new Set<string>();

  constructor(env: AgentEnv) {
    this.#env = env;
  }

  abs(path: string): string {
    return resolvePath(this.#env.k.cwd, path);
  }

  rel(path: string): string {
    return displayPath(this.#env.k, path);
  }

  missingTools(...names: string[]): string | null {
    const missing = names.filter((n) => !this.#env.tools.has(n));
    return missing.length > 0 ? `the ${missing.join(" and ")} tool is not available` : null;
  }

  /** Reads the given files (all of them when `force`, else those whose content is not in context). */
  *readFiles(paths: readonly string[], force = false): Step<void> {
    const todo = paths.filter((p) => force || !this.#env.k.contents.has(p));
    todo.forEach((p) => this.#fresh.add(p));
    yield* batched(todo.map(read));
  }

  /** Content in context after reading if needed; null when the file does not exist or cannot be read. */
  *known(path: string): Step<string | null> {
    yield* this.readFiles([path]);
    return this.#env.k.contents.get(path) ?? null;
  }

  *create(path: string, content: string): Step<string> {
    const existed = this.#env.k.existing.has(path);
    let outcome = yield* one(write(path, content));
    if (outcome.isError && NEEDS_READ.test(outcome.text)) {
      yield* this.readFiles([path], true);
      outcome = yield* one(write(path, content));
    }
    if (outcome.isError) return `could not write ${this.rel(path)}: ${firstLine(outcome.text)}`;
    return `${existed ? "rewrote" : "created"} ${this.rel(path)}`;
  }

  *append(path: string, text: string): Step<string> {
    const content = yield* this.known(path);
    if (content === null) return yield* this.create(path, text);
    let outcome = yield* one(appendCall(path, content, text));
    if (outcome.isError) {
      yield* this.readFiles([path], true);
      const current = this.#env.k.contents.get(path);
      if (current === undefined) return `could not append to ${this.rel(path)}: ${firstLine(outcome.text)}`;
      outcome = yield* one(appendCall(path, current, text));
    }
    return outcome.isError ? `could not append to ${this.rel(path)}: ${firstLine(outcome.text)}` : `appended to ${this.rel(path)}`;
  }

  /** Content that contains `text`, re-reading once when what the conversation remembers may be stale. */
  *containing(path: string, text: string): Step<string | null> {
    let content = yield* this.known(path);
    if (content !== null && !content.includes(text) && !this.#fresh.has(path)) {
      yield* this.readFiles([path], true);
      content = this.#env.k.contents.get(path) ?? null;
    }
    return content;
  }

  /** One Edit, retried once after a fresh Read when Claude Code refuses it. */
  *editOnce(path: string, change: FileChange): Step<ToolOutcome | null> {
    const call = change(path, this.#env.k.contents.get(path) ?? "");
    if (call === null) return null;
    const outcome = yield* one(call);
    if (!outcome.isError || this.#fresh.has(path)) return outcome;
    yield* this.readFiles([path], true);
    const retry = change(path, this.#env.k.contents.get(path) ?? "");
    return retry === null ? outcome : yield* one(retry);
  }

  *replace(path: string, search: string, replacement: string): Step<string> {
    if (search === replacement) return `nothing to change in ${this.rel(path)}`;
    const content = yield* this.containing(path, search);
    if (content === null) return `could not replace in ${this.rel(path)}: file not found`;
    if (!content.includes(search)) return `could not replace in ${this.rel(path)}: text not found`;
    const outcome = yield* this.editOnce(path, (p, c) => (c.includes(search) ? edit(p, search, replacement, true) : null));
    return outcome === null || outcome.isError ? `could not replace in ${this.rel(path)}: ${firstLine(outcome?.text ?? "text not found")}` : `replaced text in ${this.rel(path)}`;
  }

  *removeText(path: string, text: string): Step<string> {
    const content = yield* this.containing(path, text);
    if (content === null) return `could not undo in ${this.rel(path)}: file not found`;
    const removal: FileChange = (p, c) => {
      const r = removalEdit(c, text);
      return r === null ? null : edit(p, r.oldString, r.newString, false);
    };
    const outcome = yield* this.editOnce(path, removal);
    if (outcome === null) return `could not undo in ${this.rel(path)}: the added text is no longer there`;
    return outcome.isError ? `could not undo in ${this.rel(path)}: ${firstLine(outcome.text)}` : `removed the added text from ${this.rel(path)}`;
  }

  *scaffold(dir: string, count: number, kb: SizeKb | null): Step<string> {
    const files = Array.from({ length: count }, (_, i) => {
      const path = `${dir}/${scaffoldFileName(i + 1, count)}`;
      return { path, content: scaffoldFile(this.#env.seed, this.rel(dir), i + 1, count, kb) };
    });
    const outcomes = yield* batched(files.map((f) => write(f.path, f.content)));
    const retry = files.filter((_, i) => outcomes[i]?.isError === true && NEEDS_READ.test(outcomes[i]?.text ?? ""));
    yield* this.readFiles(retry.map((f) => f.path), true);
    const retried = yield* batched(retry.map((f) => write(f.path, f.content)));
    const failed = outcomes.filter((o) => o.isError).length - retried.filter((o) => !o.isError).length;
    return `scaffolded ${count - failed} of ${count} files under ${this.rel(dir)}`;
  }

  /** Files under a directory, listed with Glob (or `find` through Bash): context may not know them all. */
  *listFiles(dir: string): Step<string[]> {
    const listing = listingCall(this.#env.tools, dir, `List files under ${this.rel(dir)}`);
    if (listing === null) return filesUnder(this.#env.k, dir);
    const outcome = yield* one(listing);
    return outcome.isError ? filesUnder(this.#env.k, dir) : listedPaths(this.#env.k, outcome.text).filter((p) => p.startsWith(`${dir}/`));
  }

  /** The same change to several files: read those not in context, edit them together, retry refusals once. */
  *changeFiles(files: readonly string[], change: FileChange): Step<number> {
    yield* this.readFiles(files);
    const planned = files.flatMap((p) => {
      const call = this.#env.k.contents.has(p) ? change(p, this.#env.k.contents.get(p) ?? "") : null;
      return call === null ? [] : [{ path: p, call }];
    });
    const outcomes = yield* batched(planned.map((c) => c.call));
    const retry = planned.filter((_, i) => outcomes[i]?.isError === true).map((c) => c.path);
    yield* this.readFiles(retry, true);
    const again = retry.flatMap((p) => {
      const call = change(p, this.#env.k.contents.get(p) ?? "");
      return call === null ? [] : [call];
    });
    const retried = yield* batched(again);
    return planned.length - retry.length + retried.filter((o) => !o.isError).length;
  }

  *appendAll(dir: string, text: string): Step<string> {
    const files = yield* this.listFiles(dir);
    if (files.length === 0) return `found no files under ${this.rel(dir)}`;
    const done = yield* this.changeFiles(files, (p, c) => appendCall(p, c, text));
    return `appended to ${done} of ${files.length} files under ${this.rel(dir)}`;
  }

  *removeTextUnder(dir: string, text: string): Step<string> {
    const files = yield* this.listFiles(dir);
    const done = yield* this.changeFiles(files, (p, c) => {
      const r = removalEdit(c, text);
      return r === null ? null : edit(p, r.oldString, r.newString, false);
    });
    return `removed the added text from ${done} files under ${this.rel(dir)}`;
  }

  /** A rename across the workspace: Grep for the text, then replace it in every file that has it. */
  *replaceEverywhere(search: string, replacement: string): Step<string> {
    const cwd = this.#env.k.cwd;
    const call = cwd === null ? null : searchCall(this.#env.tools, cwd, search);
    if (call === null) return `could not rename ${search}: no search tool is available`;
    const outcome = yield* one(call);
    // The version log names earlier requests' text too; it says not to edit it, and the model does not.
    const files = (outcome.isError ? [] : listedPaths(this.#env.k, outcome.text)).filter((p) => !isProductPath(this.#env.k, p));
    if (files.length === 0) return `found no file containing ${search}`;
    const done = yield* this.changeFiles(files, (p, c) => (c.includes(search) ? edit(p, search, replacement, true) : null));
    return `renamed ${search} to ${replacement} in ${done} of ${files.length} files`;
  }

  /**
   * Where a feature lives. When the content of a file that names it is in context (the
   * session wrote or read it, or compaction re-attached it), the model goes straight there;
   * otherwise it searches the workspace for the feature's name and reads what matches.
   */
  *featureFiles(feature: string): Step<string[]> {
    // The version log quotes earlier requests, so it names features too; it is where they
    // were asked for, never where they live (a resumed session that read it for an undo
    // went "straight there" and changed nothing).
    const lives = (p: string, content: string): boolean => !isProductPath(this.#env.k, p) && mentionsFeature(content, feature);
    const inContext = [...this.#env.k.contents].filter(([p, content]) => lives(p, content)).map(([p]) => p).sort();
    if (inContext.length > 0) return inContext;
    const cwd = this.#env.k.cwd;
    const call = cwd === null ? null : featureSearchCall(this.#env.tools, cwd, feature);
    if (call === null) return [];
    const outcome = yield* one(call);
    const candidates = outcome.isError ? [] : listedPaths(this.#env.k, outcome.text);
    yield* this.readFiles(candidates);
    return candidates.filter((p) => lives(p, this.#env.k.contents.get(p) ?? ""));
  }

  /** One change to every file of a feature, file after file. */
  *inFeature(feature: string, change: (path: string) => Step<string>): Step<string> {
    const files = yield* this.featureFiles(feature);
    if (files.length === 0) return `found no file for the ${feature}`;
    const reports: string[] = [];
    for (const path of files) reports.push(yield* change(path));
    return `${reports.join("; ")} (the ${feature})`;
  }

  *run(step: Edit): Step<string> {
    switch (step.op) {
      case "create":
        return this.missingTools("Write", "Read") ?? (yield* this.create(this.abs(step.path), step.content));
      case "append":
        return this.missingTools("Edit", "Read", "Write") ?? (yield* this.append(this.abs(step.path), step.text));
      case "appendAll":
        return this.missingTools("Edit", "Read") ?? (yield* this.appendAll(this.abs(step.dir), step.text));
      case "replace":
        return this.missingTools("Edit", "Read") ?? (yield* this.replace(this.abs(step.path), step.search, step.replacement));
      case "removeText":
        return this.missingTools("Edit", "Read") ?? (yield* this.removeText(this.abs(step.path), step.text));
      case "removeTextUnder":
        return this.missingTools("Edit", "Read") ?? (yield* this.removeTextUnder(this.abs(step.dir), step.text));
      case "replaceEverywhere":
        return this.missingTools("Edit", "Read") ?? (yield* this.replaceEverywhere(step.search, step.replacement));
      case "featureAppend":
        return this.missingTools("Edit", "Read", "Write") ?? (yield* this.inFeature(step.feature, (p) => this.append(p, step.text)));
      case "featureReplace":
        return this.missingTools("Edit", "Read") ?? (yield* this.inFeature(step.feature, (p) => this.replace(p, step.search, step.replacement)));
      case "featureRemove":
        return this.missingTools("Edit", "Read") ?? (yield* this.inFeature(step.feature, (p) => this.removeText(p, step.text)));
      case "scaffold":
        return this.missingTools("Write", "Read") ?? (yield* this.scaffold(this.abs(step.dir), step.count, step.kb));
      case "read": {
        const path = this.abs(step.path);
        if (this.missingTools("Read") === null) yield* this.known(path);
        return this.#env.k.contents.has(path) ? `read ${this.rel(path)}` : `could not read ${this.rel(path)}`;
      }
    }
  }
}

/**
 * What an edit touches: one file, or one feature (one file, found by search: features live
 * in a file each); null for edits over a directory or the whole workspace.
 */
function touchedFile(step: Edit): string | null {
  if (step.op === "featureAppend" || step.op === "featureReplace" || step.op === "featureRemove") return `feature:${step.feature}`;
  return step.op === "create" || step.op === "append" || step.op === "replace" || step.op === "removeText" || step.op === "read" ? step.path : null;
}

/**
 * Consecutive edits of different single files (or features) are independent: they run side
 * by side, their calls sharing responses (the searches for two features go out together).
 * An edit of a file already in the group, or one over a directory or the workspace, starts a
 * new group (it depends on what came before).
 */
function independentGroups(steps: readonly Edit[]): Edit[][] {
  const groups: Edit[][] = [];
  let files = new Set<string>();
  for (const step of steps) {
    const file = touchedFile(step);
    const current = groups.at(-1);
    if (current === undefined || file === null || files.has(file) || current.some((s) => touchedFile(s) === null)) {
      groups.push([step]);
      files = new Set(file === null ? [] : [file]);
    } else {
      current.push(step);
      files.add(file);
    }
  }
  return groups;
}

/** Runs plans in lockstep: each response carries the next calls of every plan still working. */
function* together<T>(plans: ReadonlyArray<Step<T>>): Step<T[]> {
  let states = plans.map((p) => p.next([]));
  while (states.some((s) => !s.done)) {
    const pending = states.map((s) => (s.done ? [] : s.value));
    const outcomes = yield* batched(pending.flat());
    let offset = 0;
    states = states.map((s, i) => {
      if (s.done) return s;
      const mine = outcomes.slice(offset, offset + (pending[i]?.length ?? 0));
      offset += pending[i]?.length ?? 0;
      return plans[i]?.next(mine) ?? s;
    });
  }
  return states.flatMap((s) => (s.done ? [s.value] : []));
}

export function* runInstructions(steps: readonly Resolved[], env: AgentEnv): Step<string[]> {
  const agent = new Agent(env);
  const edits = steps.flatMap((s) => (s.op === "unresolved" ? [] : [s]));
  const reports = new Map<Edit, string>();
  for (const group of independentGroups(edits)) {
    const done = yield* together(group.map((step) => agent.run(step)));
    group.forEach((step, i) => reports.set(step, done[i] ?? ""));
  }
  return steps.map((s) => (s.op === "unresolved" ? s.report : (reports.get(s) ?? "")));
}

/** Reads the files it lacks among `paths`, as one batch. */
export function* readMissing(paths: readonly string[], env: AgentEnv): Step<void> {
  yield* new Agent(env).readFiles(paths);
}

/** Lists the workspace (Glob, or `find` through Bash); the listing lands in the knowledge. */
export function* listWorkspace(env: AgentEnv): Step<string[]> {
  const cwd = env.k.cwd;
  if (cwd === null) return [];
  return yield* new Agent(env).listFiles(cwd);
}

export type AgentStep<T> = { kind: "calls"; calls: ToolCall[] } | { kind: "done"; value: T };

/**
 * Feeds the calls already made in this turn (and their results) back into the plan, updating
 * the knowledge as they are consumed, and returns what the model does next.
 */
export function replay<T>(plan: Step<T>, recorded: readonly ToolExchange[], k: Knowledge): AgentStep<T> {
  let step = plan.next([]);
  let position = 0;
  while (!step.done) {
    const batch = step.value;
    if (position >= recorded.length) return { kind: "calls", calls: batch };
    const outcomes = batch.map((_, i): ToolOutcome => {
      const exchange = recorded[position + i];
      if (exchange === undefined) return { text: "tool call was not executed", isError: true };
      applyExchange(k, exchange.call, exchange.result);
      return exchange.result === null ? { text: "no tool result", isError: true } : { text: exchange.result.text, isError: exchange.result.isError };
    });
    position += batch.length;
    step = plan.next(outcomes);
  }
  return { kind: "done", value: step.value };
}
