// The reference executor: what a request should do to the workspace, given full knowledge of
// every earlier labelled request. The benchmark applies it after each update to get the
// expected workspace and scores the real one against it. It follows the same edit rules as
// the simulated model (resolve.ts for what to change; the text rules below for how), so a
// model that has the referenced requests in context produces exactly this result.
import { posix } from "node:path";
import type { LabelledRequest } from "./history.ts";
import { labelledSections } from "./history.ts";
import { mentionsFeature } from "./features.ts";
import { resolveRequest } from "./resolve.ts";
import type { Edit } from "./resolve.ts";
import { scaffoldFileName } from "./scaffold.ts";
import { scaffoldFile } from "./scaffold-size.ts";

export type { LabelledRequest } from "./history.ts";

/** Workspace files: path relative to the workspace root → content. */
export type Files = Record<string, string>;

export interface ReferenceOptions {
  /** The simulator's seed (scaffolded files depend on it). Default 1, the simulator's default. */
  seed?: number;
}

/** Appending as the model does: the text after a final newline (added if missing); an empty or blank file is replaced. */
export function appendText(content: string | undefined, text: string): string {
  if (content === undefined || content.trim() === "") return text;
  return `${content}${content.endsWith("\n") ? "" : "\n"}${text}`;
}

/** The last occurrence of `text` removed; unchanged when absent. */
export function removeLast(content: string, text: string): string {
  const at = content.lastIndexOf(text);
  return at === -1 || text === "" ? content : content.slice(0, at) + content.slice(at + text.length);
}

function normal(path: string): string {
  return posix.normalize(path).replace(/^\.\//, "").replace(/\/+$/, "");
}

function under(files: Files, dir: string): string[] {
  const prefix = `${normal(dir)}/`;
  return Object.keys(files)
    .filter((p) => p.startsWith(prefix))
    .sort();
}

/** The files that name a feature (the model finds them by search, the same rule). */
function featureFiles(files: Files, feature: string): string[] {
  return Object.keys(files)
    .filter((p) => mentionsFeature(files[p] ?? "", feature))
    .sort();
}

function apply(files: Files, edit: Edit, seed: number): void {
  switch (edit.op) {
    case "create":
      files[normal(edit.path)] = edit.content;
      return;
    case "append": {
      const path = normal(edit.path);
      files[path] = appendText(files[path], edit.text);
      return;
    }
    case "appendAll":
      for (const path of under(files, edit.dir)) files[path] = appendText(files[path], edit.text);
      return;
    case "replace": {
      const path = normal(edit.path);
      const content = files[path];
      if (content !== undefined && edit.search !== "") files[path] = content.split(edit.search).join(edit.replacement);
      return;
    }
    case "replaceEverywhere":
      for (const [path, content] of Object.entries(files)) {
        if (edit.search !== "" && content.includes(edit.search)) files[path] = content.split(edit.search).join(edit.replacement);
      }
      return;
    case "removeText": {
      const path = normal(edit.path);
      const content = files[path];
      if (content !== undefined) files[path] = removeLast(content, edit.text);
      return;
    }
    case "removeTextUnder":
      for (const path of under(files, edit.dir)) files[path] = removeLast(files[path] ?? "", edit.text);
      return;
    case "scaffold": {
      const dir = normal(edit.dir);
      for (let i = 1; i <= edit.count; i++) files[`${dir}/${scaffoldFileName(i, edit.count)}`] = scaffoldFile(seed, dir, i, edit.count, edit.kb);
      return;
    }
    case "featureAppend":
      for (const path of featureFiles(files, edit.feature)) files[path] = appendText(files[path], edit.text);
      return;
    case "featureReplace":
      for (const path of featureFiles(files, edit.feature)) {
        const content = files[path] ?? "";
        if (edit.search !== "") files[path] = content.split(edit.search).join(edit.replacement);
      }
      return;
    case "featureRemove":
      for (const path of featureFiles(files, edit.feature)) files[path] = removeLast(files[path] ?? "", edit.text);
      return;
    case "read":
      return;
  }
}

/**
 * The workspace after `prompt` (a build or update request, with or without its
 * `Request for version N:` label) is carried out on `files`, where `history` lists every
 * earlier request of the project (its version number and text). Pure: `files` is not changed.
 */
export function referenceApply(files: Readonly<Files>, prompt: string, history: readonly LabelledRequest[], options: ReferenceOptions = {}): Files {
  const { sections } = labelledSections(prompt);
  const current = sections.at(-1);
  const text = current?.prompt ?? prompt;
  const version = current?.versionNumber ?? null;
  const out: Files = { ...files };
  for (const step of resolveRequest(text, version, history)) {
    if (step.op !== "unresolved") apply(out, step, options.seed ?? 1);
  }
  return out;
}
