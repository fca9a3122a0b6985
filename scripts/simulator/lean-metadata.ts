// The lean metadata request (container/src/lean-metadata.ts): the model describes only the
// changed paths the prompt lists and writes recommendations; the product computes every other
// fact. Modelled as a reviewer with the update's conversation in context: a changed file whose
// current content is already in context is described from it; one that is not is read first
// (at most METADATA_READ_BUDGET reads, as in the full request); beyond that budget it is
// described from its path alone. Output tokens follow from the JSON it writes.
import { CHANGED_ENTRIES_HEADING, LEAN_METADATA_MARKER, MAX_RECOMMENDATIONS, PREVIOUS_ENTRY_PREFIX } from "../../container/src/lean-metadata.ts";
import { readMissing } from "./agent.ts";
import type { AgentEnv, Step } from "./agent.ts";
import { displayPath, resolvePath } from "./knowledge.ts";
import type { Knowledge } from "./knowledge.ts";
import { byImportance, METADATA_READ_BUDGET, recommendations } from "./metadata.ts";

export interface LeanContext {
  changed: { path: string; previousEntry: string | null }[];
}

/** Words of a description, at most: one sentence, as the prompt asks. */
const DESCRIPTION_WORDS = 30;

/** The lean request's changed paths; null when the prompt is not a lean metadata request. */
export function parseLeanContext(prompt: string): LeanContext | null {
  const lines = prompt.split("\n");
  if (!lines.some((l) => l.startsWith(LEAN_METADATA_MARKER))) return null;
  const heading = lines.indexOf(CHANGED_ENTRIES_HEADING);
  const changed: LeanContext["changed"] = [];
  if (heading === -1) return { changed };
  for (const line of lines.slice(heading + 1)) {
    const path = /^- (.+)$/.exec(line)?.[1];
    const last = changed.at(-1);
    if (path !== undefined) changed.push({ path, previousEntry: null });
    else if (line.startsWith(PREVIOUS_ENTRY_PREFIX) && last !== undefined) last.previousEntry = line.slice(PREVIOUS_ENTRY_PREFIX.length);
    else break;
  }
  return { changed };
}

/** Reads the changed files whose current content is not in context, key files first, within the budget. */
export function* readChanged(env: AgentEnv, context: LeanContext): Step<void> {
  const cwd = env.k.cwd;
  if (cwd === null || !env.tools.has("Read")) return;
  const lacking = context.changed.map((c) => c.path).filter((p) => !env.k.contents.has(resolvePath(cwd, p)));
  yield* readMissing(byImportance(lacking).slice(0, METADATA_READ_BUDGET).map((p) => resolvePath(cwd, p)), env);
}

/** One sentence from what the model sees: the file's header comment and what it exports; the path alone when unread. */
export function describe(path: string, content: string | undefined): string {
  if (content === undefined) return `Part of ${path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "the project root"}; not read, described from its name.`;
  const header = content.split("\n").map((l) => l.trim()).find((l) => l !== "")?.replace(/^(\/\/|#|\/\*+|\*|<!--)\s*/, "") ?? "";
  const exported = [...content.matchAll(/^export\s+(?:const|function|interface|class|type)\s+(\w+)/gm)].map((m) => m[1] ?? "").filter((n) => n !== "");
  const text = [header, exported.length === 0 ? "" : `Exports ${exported.slice(0, 6).join(", ")}.`].filter((t) => t !== "").join(" ");
  const words = text.split(/\s+/).filter((w) => w !== "");
  return words.length === 0 ? "Empty file." : words.slice(0, DESCRIPTION_WORDS).join(" ");
}

export function leanMetadata(k: Knowledge, context: LeanContext): { recommendations: string[]; entries: Record<string, string> } {
  const entries: Record<string, string> = {};
  const names: string[] = [];
  for (const { path } of context.changed) {
    const abs = resolvePath(k.cwd, path);
    if (k.gone.has(abs)) continue;
    entries[path] = describe(path, k.contents.get(abs));
    names.push(displayPath(k, abs));
  }
  return { recommendations: recommendations(names, k).slice(0, MAX_RECOMMENDATIONS), entries };
}
