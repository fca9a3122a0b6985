// The runner's metadata request: documentation and recommendations, derived only from what
// the model has in context. With the previous version's documentation and the changed paths
// in the prompt (container/src/prompts.ts) the model updates that documentation, reading
// only changed files it has not seen; without it, it lists the workspace and reads a sample.
import { PRODUCT_DIR } from "../../container/src/product-dir.ts";
import { CHANGED_PATHS_HEADING, PREVIOUS_DOCUMENTATION_CLOSE, PREVIOUS_DOCUMENTATION_OPEN } from "../../container/src/prompts.ts";
import { listWorkspace, readMissing } from "./agent.ts";
import type { AgentEnv, Step } from "./agent.ts";
import { displayPath, filesUnder, lineCount, resolvePath } from "./knowledge.ts";
import type { Knowledge } from "./knowledge.ts";

export interface ProjectMetadata {
  recommendations: string[];
  documentation: string;
}

export interface MetadataContext {
  previousDocumentation: string | null;
  changedPaths: string[];
}

/**
 * Files the model reads for one metadata request, at most: it documents a project's
 * structure from a sample, as a reviewer skims, rather than reading every file.
 */
export const METADATA_READ_BUDGET = 10;

const LARGE_FILE_LINES = 200;

/** Entry lines of our documentation format: "- `path` (n lines): first line" or "- `path`: content not read". */
const ENTRY = /^- `([^`]+)`/;

/** What the metadata prompt carries besides the request itself; null when it has no context. */
export function parseMetadataContext(prompt: string): MetadataContext | null {
  const lines = prompt.split("\n");
  const heading = lines.indexOf(CHANGED_PATHS_HEADING);
  if (heading === -1) return null;
  const changedPaths: string[] = [];
  for (const line of lines.slice(heading + 1)) {
    const path = /^- (.+)$/.exec(line)?.[1];
    if (path === undefined) break;
    changedPaths.push(path);
  }
  const open = prompt.indexOf(`\n${PREVIOUS_DOCUMENTATION_OPEN}\n`);
  const close = prompt.lastIndexOf(`\n${PREVIOUS_DOCUMENTATION_CLOSE}`);
  const previousDocumentation = open !== -1 && close > open ? prompt.slice(open + PREVIOUS_DOCUMENTATION_OPEN.length + 2, close) : null;
  return { previousDocumentation, changedPaths };
}

/** path → entry line of documentation in our format; empty for any other documentation. */
function entries(documentation: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of documentation.split("\n")) {
    const path = ENTRY.exec(line)?.[1];
    if (path !== undefined) out.set(path, line);
  }
  return out;
}

/** Key files first (README, manifests), then the rest by path: what a reviewer opens first. */
export function byImportance(names: readonly string[]): string[] {
  const key = (p: string): number => (/(^|\/)readme(\.md)?$/i.test(p) ? 0 : /(^|\/)package\.json$/.test(p) ? 1 : 2);
  return [...names].sort((a, b) => key(a) - key(b) || a.localeCompare(b));
}

function incremental(context: MetadataContext | null): Map<string, string> | null {
  if (context?.previousDocumentation === undefined || context.previousDocumentation === null) return null;
  const previous = entries(context.previousDocumentation);
  return previous.size > 0 ? previous : null;
}

/** The tool calls of the metadata request: read what the documentation needs and context lacks. */
export function* documentProject(env: AgentEnv, context: MetadataContext | null): Step<void> {
  const cwd = env.k.cwd;
  if (cwd === null || !env.tools.has("Read")) return;
  const lacking = (paths: readonly string[]): string[] => paths.filter((p) => !env.k.contents.has(p));
  if (incremental(context) !== null && context !== null) {
    yield* readMissing(lacking(context.changedPaths.map((p) => resolvePath(cwd, p))).slice(0, METADATA_READ_BUDGET), env);
    return;
  }
  yield* listWorkspace(env);
  const sample = byImportance(lacking(filesUnder(env.k, cwd)).map((p) => displayPath(env.k, p))).slice(0, METADATA_READ_BUDGET);
  yield* readMissing(sample.map((p) => resolvePath(cwd, p)), env);
}

function entryLine(name: string, content: string | undefined): string {
  if (content === undefined) return `- \`${name}\`: content not read`;
  const first = content.split("\n").find((l) => l.trim() !== "")?.trim().slice(0, 100) ?? "(empty)";
  return `- \`${name}\` (${lineCount(content)} lines): ${first}`;
}

export function recommendations(names: readonly string[], k: Knowledge): string[] {
  const content = (name: string): string => k.contents.get(resolvePath(k.cwd, name)) ?? "";
  const out: string[] = [];
  if (!names.some((n) => /(^|\/)readme(\.md)?$/i.test(n))) out.push("Add a README.md that explains what the project does and how to run it.");
  const isTest = (name: string): boolean => /(^|\/)tests?\/|\.(test|spec)\./.test(name);
  const untested = names
    .filter((n) => /\.(ts|tsx|js|mjs|py)$/.test(n) && !isTest(n))
    .filter((n) => !names.some((t) => isTest(t) && t.includes(n.replace(/^.*\//, "").replace(/\.\w+$/, ""))))
    .sort((a, b) => lineCount(content(b)) - lineCount(content(a)) || a.localeCompare(b))
    .slice(0, 3);
  for (const n of untested) out.push(`Add unit tests for ${n}.`);
  for (const n of names) {
    const lines = lineCount(content(n));
    if (lines > LARGE_FILE_LINES) out.push(`Split ${n} (${lines} lines) into smaller modules.`);
  }
  if (out.length === 0) out.push("No issues found in the files in context; keep changes small and documented.");
  return out;
}

/** The answer: documentation (the previous one updated for the changed paths, or written from context) and recommendations. */
export function projectMetadata(k: Knowledge, context: MetadataContext | null): ProjectMetadata {
  const name = (abs: string): string => displayPath(k, abs);
  const lines = incremental(context) ?? new Map<string, string>();
  const touched = (context !== null && lines.size > 0 ? context.changedPaths.map((p) => name(resolvePath(k.cwd, p))) : [...k.existing, ...k.contents.keys()].map(name))
    // The version log the session read is the product's, not the project's: never documented.
    .filter((n) => n !== PRODUCT_DIR && !n.startsWith(`${PRODUCT_DIR}/`));
  for (const n of touched) {
    const abs = resolvePath(k.cwd, n);
    if (k.gone.has(abs)) lines.delete(n);
    else if (k.contents.has(abs) || !lines.has(n)) lines.set(n, entryLine(n, k.contents.get(abs)));
  }
  const names = [...lines.keys()].sort();
  const documentation = ["# Project overview", "", `${names.length} file(s).`, "", "## Files", "", ...names.map((n) => lines.get(n) ?? "")].join("\n");
  return { recommendations: recommendations(names, k), documentation };
}
