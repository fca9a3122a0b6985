// The version log (docs/simulator.md, "The version log"): a session whose prompt carries
// the runner's VERSION_LOG_NOTE and whose request refers to earlier work it does not have in
// context Reads `.session-chain/versions.md` (written by the runner, container/src/version-log.ts),
// takes the referenced version's request from it, Reads the paths that version changed,
// then does the edit. The log gives each version's request words and changed paths, not the
// edit itself: the model re-derives the edit from the words and the files, which a real
// model gets wrong now and then (LOG_RESOLVE_RATE, a seeded draw per instruction).
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { VERSION_LOG_PATH } from "../../container/src/product-dir.ts";
import { VERSION_LOG_NOTE } from "../../container/src/prompts.ts";
import { REQUEST_TRUNCATED_MARKER } from "../../container/src/version-log.ts";
import { readMissing } from "./agent.ts";
import type { AgentEnv, Step } from "./agent.ts";
import { mentionsFeature } from "./features.ts";
import type { LabelledRequest, RequestContext } from "./history.ts";
import { parseInstructions } from "./instructions.ts";
import type { Instruction } from "./instructions.ts";
import { resolvePath } from "./knowledge.ts";
import { isContextDependent, resolveInstruction } from "./resolve.ts";
import type { Resolved } from "./resolve.ts";

export interface LoggedVersion {
  versionNumber: number;
  succeeded: boolean;
  /** The request's words as the log holds them (cut when `truncated`). */
  request: string;
  truncated: boolean;
  changedPaths: string[];
}

/**
 * Chance that the model, with the referenced request and its files in hand, carries the
 * instruction out; otherwise it says it could not tell exactly what that version did and
 * changes nothing (as without the log). An undo or a rename needs what the version added,
 * which its request states and its files still show; a same edit must be re-derived from
 * the request's words and applied to another file, where a real model slips more often.
 */
export const LOG_RESOLVE_RATE: Readonly<Record<"undo" | "repeatEdit" | "repeatFeatureEdit" | "renameAdded", number>> = {
  undo: 0.9,
  renameAdded: 0.9,
  repeatEdit: 0.75,
  repeatFeatureEdit: 0.75,
};

/** Paths Read per referenced version (a version that changed more is read in part). */
const MAX_PATHS_READ = 10;

const HEADING = /^## Version (\d+) \((\w+), (\w+)\)$/;

/** The entries of a version log as the runner renders it. */
export function parseVersionLog(text: string): LoggedVersion[] {
  const out: Array<LoggedVersion & { lines: string[] }> = [];
  let section: "request" | "paths" | null = null;
  for (const line of text.split("\n")) {
    const heading = HEADING.exec(line);
    const entry = out.at(-1);
    if (heading !== null) {
      out.push({ versionNumber: Number(heading[1]), succeeded: heading[3] === "succeeded", request: "", truncated: false, changedPaths: [], lines: [] });
      section = null;
    } else if (entry === undefined) {
      continue;
    } else if (line === "Request:") {
      section = "request";
    } else if (line.startsWith("Changed paths")) {
      section = "paths";
    } else if (section === "request" && line === REQUEST_TRUNCATED_MARKER) {
      entry.truncated = true;
    } else if (section === "request" && line.startsWith(">")) {
      entry.lines.push(line.replace(/^> ?/, ""));
    } else if (section === "paths" && line.startsWith("- ") && !line.startsWith("- … and ")) {
      entry.changedPaths.push(line.slice(2));
    }
  }
  return out.map(({ lines, ...entry }) => ({ ...entry, request: lines.join("\n") }));
}

/** A seeded draw in [0, 1) for one instruction of one request: the same on every replay. */
function draw(seed: number, version: number | null, index: number): number {
  const hex = createHash("sha256").update(`${seed}:version-log:${version ?? "none"}:${index}`).digest("hex").slice(0, 8);
  return Number.parseInt(hex, 16) / 2 ** 32;
}

/** The logged version an instruction points at: by number, "last time", or the latest that changed the path or named the feature. */
function referenced(instruction: Instruction, version: number | null, logged: readonly LoggedVersion[]): LoggedVersion | undefined {
  const before = logged.filter((v) => v.succeeded && (version === null || v.versionNumber < version));
  switch (instruction.op) {
    case "undo":
      return before.find((v) => v.versionNumber === instruction.version);
    case "renameAdded":
      return version === null ? before.at(-1) : before.find((v) => v.versionNumber === version - 1);
    case "repeatEdit":
      return before.findLast((v) => v.changedPaths.some((p) => posix.normalize(p) === posix.normalize(instruction.from)));
    case "repeatFeatureEdit":
      return before.findLast((v) => mentionsFeature(v.request, instruction.from));
    default:
      return undefined;
  }
}

const unresolved = (rs: readonly Resolved[]): boolean => rs.some((r) => r.op === "unresolved");

/**
 * The request's edits. Instructions that refer to work not in context are looked up in the
 * version log when the prompt says there is one: one Read of the log, then one batch of
 * Reads of the referenced versions' changed paths, then the draw decides each.
 */
export function* resolveWithVersionLog(context: RequestContext, promptText: string, env: AgentEnv): Step<Resolved[]> {
  const { current, history } = context;
  const instructions = parseInstructions(current.text);
  const first = instructions.map((i) => resolveInstruction(i, current.versionNumber, history));
  const missing = instructions.flatMap((instruction, index) => (isContextDependent(instruction) && unresolved(first[index] ?? []) ? [index] : []));
  if (missing.length === 0 || !promptText.includes(VERSION_LOG_NOTE) || !env.tools.has("Read") || env.k.cwd === null) return first.flat();

  const logFile = resolvePath(env.k.cwd, VERSION_LOG_PATH);
  yield* readMissing([logFile], env);
  const logged = parseVersionLog(env.k.contents.get(logFile) ?? "");
  // A cut request is not the whole request: the model cannot act on it.
  const inContext = new Map(history.map((h) => [h.versionNumber, h.prompt]));
  for (const v of logged) if (v.succeeded && !v.truncated && !inContext.has(v.versionNumber)) inContext.set(v.versionNumber, v.request);
  const widened: LabelledRequest[] = [...inContext].sort(([a], [b]) => a - b).map(([versionNumber, prompt]) => ({ versionNumber, prompt }));

  const results = [...first];
  const toRead = new Set<string>();
  for (const index of missing) {
    const instruction = instructions[index];
    if (instruction === undefined || !isContextDependent(instruction)) continue;
    const again = resolveInstruction(instruction, current.versionNumber, widened);
    if (unresolved(again)) continue;
    const target = referenced(instruction, current.versionNumber, logged);
    target?.changedPaths.slice(0, MAX_PATHS_READ).forEach((p) => toRead.add(resolvePath(env.k.cwd, p)));
    const label = target === undefined ? "the version it refers to" : `version ${target.versionNumber}`;
    results[index] = draw(env.seed, current.versionNumber, index) < LOG_RESOLVE_RATE[instruction.op]
      ? again
      : [{ op: "unresolved", report: `read the version log but could not tell exactly what ${label} changed, so changed nothing` }];
  }
  yield* readMissing([...toRead], env);
  return results.flat();
}
