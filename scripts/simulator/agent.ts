// The deterministic coding "model": carries out instructions with Claude Code's file tools.
// Written as a generator that yields batches of tool calls and receives their outcomes; the
// server is stateless, so every request replays the current turn's recorded calls and
// results through a fresh generator and answers with whatever it yields next.
import type { ToolExchange } from "./conversation.ts";
import type { Instruction } from "./instructions.ts";
import { applyExchange, displayPath, filesUnder, resolvePath } from "./knowledge.ts";
import type { Knowledge } from "./knowledge.ts";
import { scaffoldFileName } from "./scaffold.ts";
import { scaffoldFile } from "./scaffold-size.ts";
import type { SizeKb } from "./scaffold-size.ts";

export interface ToolCall {
  name: string;
  input: Record<string, unknown>;
}

export interface ToolOutcome {
  text: string;
  isError: boolean;
}

/** Yields tool-call batches, receives their outcomes, returns report lines for the final answer. */
type Step<T> = Generator<ToolCall[], T, ToolOutcome[]>;

/** Independent calls (Reads, Writes, Edits of different files) go out up to this many per response. */
export const MAX_PARALLEL_CALLS = 4;

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

function* batched(calls: readonly ToolCall[]): Step<ToolOutcome[]> {
  const outcomes: ToolOutcome[] = [];
  for (let i = 0; i < calls.length; i += MAX_PARALLEL_CALLS) {
    const batch = calls.slice(i, i + MAX_PARALLEL_CALLS);
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

/** Lists a directory with Glob, or `find` through Bash where Glob is not offered. */
function listingCall(tools: ReadonlySet<string>, dir: string, description: string): ToolCall | null {
  if (tools.has("Glob")) return { name: "Glob", input: { pattern: "**/*", path: dir } };
  if (!tools.has("Bash")) return null;
  return { name: "Bash", input: { command: `find '${dir.replace(/'/g, "'\\''")}' -type f | sort`, description } };
}

function appendCall(path: string, content: string, text: string): ToolCall {
  if (content.trim() === "") return write(path, text);
  const anchor = uniqueTail(content);
  return edit(path, anchor, `${anchor}${anchor.endsWith("\n") ? "" : "\n"}${text}`, false);
}

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

  *replace(path: string, search: string, replacement: string): Step<string> {
    if (search === replacement) return `nothing to change in ${this.rel(path)}`;
    let content = yield* this.known(path);
    if (content !== null && !content.includes(search) && !this.#fresh.has(path)) {
      // What the conversation remembers may be stale: look at the file again.
      yield* this.readFiles([path], true);
      content = this.#env.k.contents.get(path) ?? null;
    }
    if (content === null) return `could not replace in ${this.rel(path)}: file not found`;
    if (!content.includes(search)) return `could not replace in ${this.rel(path)}: text not found`;
    let outcome = yield* one(edit(path, search, replacement, true));
    if (outcome.isError && !this.#fresh.has(path)) {
      yield* this.readFiles([path], true);
      outcome = yield* one(edit(path, search, replacement, true));
    }
    return outcome.isError ? `could not replace in ${this.rel(path)}: ${firstLine(outcome.text)}` : `replaced text in ${this.rel(path)}`;
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

  /** Files under a directory: from context when known, else listed with Glob (or `find` through Bash). */
  *listFiles(dir: string): Step<string[]> {
    const known = filesUnder(this.#env.k, dir);
    if (known.length > 0) return known;
    const listing = listingCall(this.#env.tools, dir, `List files under ${this.rel(dir)}`);
    if (listing !== null) yield* one(listing);
    return filesUnder(this.#env.k, dir);
  }

  *appendAll(dir: string, text: string): Step<string> {
    const files = yield* this.listFiles(dir);
    if (files.length === 0) return `found no files under ${this.rel(dir)}`;
    yield* this.readFiles(files);
    const targets = files.filter((p) => this.#env.k.contents.has(p));
    const outcomes = yield* batched(targets.map((p) => appendCall(p, this.#env.k.contents.get(p) ?? "", text)));
    const retry = targets.filter((_, i) => outcomes[i]?.isError === true);
    yield* this.readFiles(retry, true);
    const retried = yield* batched(retry.map((p) => appendCall(p, this.#env.k.contents.get(p) ?? "", text)));
    const failed = files.length - targets.length + retried.filter((o) => o.isError).length;
    return `appended to ${files.length - failed} of ${files.length} files under ${this.rel(dir)}`;
  }

  *run(instruction: Instruction): Step<string> {
    switch (instruction.op) {
      case "create":
        return this.missingTools("Write", "Read") ?? (yield* this.create(this.abs(instruction.path), instruction.content));
      case "append":
        return this.missingTools("Edit", "Read", "Write") ?? (yield* this.append(this.abs(instruction.path), instruction.text));
      case "appendAll":
        return this.missingTools("Edit", "Read") ?? (yield* this.appendAll(this.abs(instruction.dir), instruction.text));
      case "replace":
        return this.missingTools("Edit", "Read") ?? (yield* this.replace(this.abs(instruction.path), instruction.search, instruction.replacement));
      case "scaffold":
        return this.missingTools("Write", "Read") ?? (yield* this.scaffold(this.abs(instruction.dir), instruction.count, instruction.kb));
      case "read": {
        const path = this.abs(instruction.path);
        if (this.missingTools("Read") === null) yield* this.known(path);
        return this.#env.k.contents.has(path) ? `read ${this.rel(path)}` : `could not read ${this.rel(path)}`;
      }
    }
  }
}

export function* runInstructions(instructions: readonly Instruction[], env: AgentEnv): Step<string[]> {
  const agent = new Agent(env);
  const report: string[] = [];
  for (const instruction of instructions) report.push(yield* agent.run(instruction));
  return report;
}

/**
 * The metadata request: documenting the project needs every file's content, so the model
 * lists the workspace once and reads the files it does not already have in context. A
 * resumed session has most of them; a fresh one reads them all (same rule as for edits).
 */
export function* documentProject(env: AgentEnv): Step<string[]> {
  const cwd = env.k.cwd;
  if (cwd === null || !env.tools.has("Read")) return [];
  const listing = listingCall(env.tools, cwd, "List the project's files");
  if (listing !== null) yield* batched([listing]);
  yield* new Agent(env).readFiles(filesUnder(env.k, cwd));
  return [];
}

export type AgentStep = { kind: "calls"; calls: ToolCall[] } | { kind: "done"; report: string[] };

/**
 * Feeds the calls already made in this turn (and their results) back into the plan, updating
 * the knowledge as they are consumed, and returns what the model does next.
 */
export function replay(plan: Step<string[]>, recorded: readonly ToolExchange[], k: Knowledge): AgentStep {
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
  return { kind: "done", report: step.value };
}
