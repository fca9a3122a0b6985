// Turns a request's instructions into plain file edits, given the earlier requests that are
// in context. Context-dependent instructions ("undo version 3", "make the same edit you made
// to a.ts in b.ts", "rename what you added last time to x") resolve from the texts of the
// requests they refer to; when that request is not in context they resolve to a note
// instead (the model says what it could not do and changes nothing). The simulated model
// (agent.ts) and the reference executor (reference.ts) share this, so with the same history
// they change the workspace the same way.
import { posix } from "node:path";
import type { LabelledRequest } from "./history.ts";
import { parseInstructions } from "./instructions.ts";
import type { Instruction } from "./instructions.ts";

/** The instructions that refer to earlier requests; everything else is already an edit. */
type ContextInstruction = Extract<Instruction, { op: "undo" | "repeatEdit" | "repeatFeatureEdit" | "renameAdded" }>;

export type Edit =
  | Exclude<Instruction, ContextInstruction>
  /** Removes the last occurrence of `text` (the inverse of an append). */
  | { op: "removeText"; path: string; text: string }
  /** The same in every file under `dir` that contains it. */
  | { op: "removeTextUnder"; dir: string; text: string }
  /** `replace` in every workspace file that contains `search` (found with Grep). */
  | { op: "replaceEverywhere"; search: string; replacement: string }
  /** Removes the last occurrence of `text` from the file(s) of a feature (the inverse of a feature append). */
  | { op: "featureRemove"; feature: string; text: string };

export type Resolved = Edit | { op: "unresolved"; report: string };

/** How deep "undo version N" may follow requests that themselves refer to others. */
const MAX_DEPTH = 8;

/** A declaration in added text: what "rename what you added" renames. */
const DECLARATION = /\b(?:const|let|var|function|class|interface|type|enum|def)\s+([A-Za-z_$][\w$]*)/;

function samePath(a: string, b: string): boolean {
  return posix.normalize(a) === posix.normalize(b);
}

function earlier(history: readonly LabelledRequest[], version: number | null): LabelledRequest[] {
  return version === null ? [...history] : history.filter((h) => h.versionNumber < version);
}

/** A request's edits as it was carried out, with the history that preceded it. */
function editsOf(request: LabelledRequest, history: readonly LabelledRequest[], depth: number): Edit[] {
  return resolveRequest(request.prompt, request.versionNumber, history, depth + 1).flatMap((r) => (r.op === "unresolved" ? [] : [r]));
}

/** The edit that takes `edit` back, when file tools can (created files cannot be deleted). */
function inverse(edit: Edit): Edit | null {
  switch (edit.op) {
    case "append":
      return { op: "removeText", path: edit.path, text: edit.text };
    case "appendAll":
      return { op: "removeTextUnder", dir: edit.dir, text: edit.text };
    case "removeText":
      return { op: "append", path: edit.path, text: edit.text };
    case "removeTextUnder":
      return { op: "appendAll", dir: edit.dir, text: edit.text };
    case "replace":
      return { op: "replace", path: edit.path, search: edit.replacement, replacement: edit.search };
    case "replaceEverywhere":
      return { op: "replaceEverywhere", search: edit.replacement, replacement: edit.search };
    case "featureAppend":
      return { op: "featureRemove", feature: edit.feature, text: edit.text };
    case "featureRemove":
      return { op: "featureAppend", feature: edit.feature, text: edit.text };
    case "featureReplace":
      return { ...edit, search: edit.replacement, replacement: edit.search };
    case "create":
    case "scaffold":
    case "read":
      return null;
  }
}

/** The same edit applied to another file. */
function retarget(edit: Edit, path: string): Edit | null {
  switch (edit.op) {
    case "create":
    case "append":
    case "replace":
    case "removeText":
      return { ...edit, path };
    case "featureAppend":
      return { op: "append", path, text: edit.text };
    case "featureReplace":
      return { op: "replace", path, search: edit.search, replacement: edit.replacement };
    case "featureRemove":
      return { op: "removeText", path, text: edit.text };
    default:
      return null;
  }
}

function editedFeature(edit: Edit): string | null {
  return edit.op === "featureAppend" || edit.op === "featureReplace" || edit.op === "featureRemove" ? edit.feature : null;
}

/** The same feature edit applied to another feature. */
function retargetFeature(edit: Edit, feature: string): Edit | null {
  return edit.op === "featureAppend" || edit.op === "featureReplace" || edit.op === "featureRemove" ? { ...edit, feature } : null;
}

/** The path an edit names; a feature edit names none, so "the same edit you made to <path>" never repeats one. */
function editedPath(edit: Edit): string | null {
  return edit.op === "create" || edit.op === "append" || edit.op === "replace" || edit.op === "removeText" ? edit.path : null;
}

function addedText(edits: readonly Edit[]): string | null {
  for (const edit of edits) {
    if (edit.op === "append" || edit.op === "appendAll" || edit.op === "featureAppend") return edit.text;
    if (edit.op === "create") return edit.content;
  }
  return null;
}

/** Whether an instruction refers to an earlier request (and so needs it in context). */
export function isContextDependent(instruction: Instruction): instruction is ContextInstruction {
  return instruction.op === "undo" || instruction.op === "repeatEdit" || instruction.op === "repeatFeatureEdit" || instruction.op === "renameAdded";
}

/** One instruction's edits as version `version` (null: unlabelled), with `history` in context. */
export function resolveInstruction(instruction: Instruction, version: number | null, history: readonly LabelledRequest[], depth = 0): Resolved[] {
  return resolveOne(instruction, version, history, depth);
}

function resolveOne(instruction: Instruction, version: number | null, history: readonly LabelledRequest[], depth: number): Resolved[] {
  const before = earlier(history, version);
  switch (instruction.op) {
    case "undo": {
      const target = before.find((h) => h.versionNumber === instruction.version);
      if (target === undefined || depth >= MAX_DEPTH) {
        return [{ op: "unresolved", report: `could not undo version ${instruction.version}: its request is not in this conversation` }];
      }
      const undo = editsOf(target, history, depth).map(inverse).filter((e): e is Edit => e !== null).reverse();
      return undo.length > 0 ? undo : [{ op: "unresolved", report: `version ${instruction.version} made no change that file edits can undo` }];
    }
    case "repeatEdit": {
      for (const request of [...before].reverse()) {
        if (depth >= MAX_DEPTH) break;
        const edit = editsOf(request, history, depth).filter((e) => samePath(editedPath(e) ?? "", instruction.from)).at(-1);
        const repeated = edit === undefined ? null : retarget(edit, instruction.to);
        if (repeated !== null) return [repeated];
      }
      return [{ op: "unresolved", report: `could not repeat the edit to ${instruction.from}: no edit to it is in this conversation` }];
    }
    case "repeatFeatureEdit": {
      for (const request of [...before].reverse()) {
        if (depth >= MAX_DEPTH) break;
        const edit = editsOf(request, history, depth).filter((e) => editedFeature(e) === instruction.from).at(-1);
        const repeated = edit === undefined ? null : retargetFeature(edit, instruction.to);
        if (repeated !== null) return [repeated];
      }
      return [{ op: "unresolved", report: `could not repeat the edit to the ${instruction.from}: no edit to it is in this conversation` }];
    }
    case "renameAdded": {
      const previous = version === null ? before.at(-1) : before.find((h) => h.versionNumber === version - 1);
      if (previous === undefined || depth >= MAX_DEPTH) {
        return [{ op: "unresolved", report: `could not rename what was added last time: that request is not in this conversation` }];
      }
      const name = DECLARATION.exec(addedText(editsOf(previous, history, depth)) ?? "")?.[1];
      if (name === undefined) return [{ op: "unresolved", report: `could not tell what version ${previous.versionNumber} added` }];
      return [{ op: "replaceEverywhere", search: name, replacement: instruction.name }];
    }
    default:
      return [instruction];
  }
}

/**
 * The edits that carry out `text` (a request, without its label) as version `version`, when
 * `history` holds the earlier labelled requests in context.
 */
export function resolveRequest(text: string, version: number | null, history: readonly LabelledRequest[], depth = 0): Resolved[] {
  return parseInstructions(text).flatMap((instruction) => resolveOne(instruction, version, history, depth));
}
