// The lean metadata step (docs/runner-protocol.md, "metadata"): the prompt that asks the
// model only for what code cannot know (what each changed file is for, and the
// recommendations) and the parsing of its answer. The facts are file-facts.ts.
import { parseJsonAnswer } from "./json-answer.ts";
import { METADATA_MARKER, MetadataPatch } from "./protocol.ts";
import type { DocumentationPatchContext } from "./protocol.ts";

/** Second line of a lean metadata prompt; the model simulator keys on it. */
export const LEAN_METADATA_MARKER = "Documentation patch:";
/** Heading of the changed paths; one `- <path>` line each, then `  previous: <entry>` when it had one. */
export const CHANGED_ENTRIES_HEADING = "Changed paths:";
export const PREVIOUS_ENTRY_PREFIX = "  previous: ";
/** Heading of the removed paths; one `- <path>` line each. */
export const REMOVED_PATHS_HEADING = "Removed paths (the product drops their entries; do not describe them):";
/** Recommendations the lean step asks for, at most. */
export const MAX_RECOMMENDATIONS = 5;

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export function leanMetadataPrompt(guidance: string, context: DocumentationPatchContext): string {
  const changed = context.changed.flatMap((c) => [`- ${c.path}`, ...(c.previousEntry === null ? [] : [`${PREVIOUS_ENTRY_PREFIX}${oneLine(c.previousEntry)}`])]);
  const lines = [
    METADATA_MARKER,
    `${LEAN_METADATA_MARKER} the product keeps the project's documentation; it computes the file list, sizes, line counts, first lines and what changed, so do not repeat them.`,
    "Do not create, edit or delete any file.",
    "For each changed path below, write one sentence on what the file is for (keep its previous entry when it is still true). Read a changed file only if its current content is not already in this conversation; do not read other files.",
    `Then write at most ${MAX_RECOMMENDATIONS} recommendations: short, actionable next steps for the project as it is now.`,
    CHANGED_ENTRIES_HEADING,
    ...(changed.length === 0 ? ["(none)"] : changed),
    ...(context.removed.length === 0 ? [] : [REMOVED_PATHS_HEADING, ...context.removed.map((p) => `- ${p}`)]),
    "Reply with a single JSON object and nothing else (no prose, no code fence), shaped exactly like:",
    '{"recommendations": ["<short, actionable next step>", "..."], "entries": {"<changed path>": "<what the file is for>"}}',
  ];
  if (guidance.trim() !== "") lines.push("", `Additional guidance: ${guidance.trim()}`);
  return lines.join("\n");
}

/**
 * The patch in the final text (the whole text, a fenced block or the outermost braces), keeping
 * only entries of paths the prompt named as changed: the model may not rewrite others. Null
 * when no candidate is a valid patch.
 */
export function parseMetadataPatch(text: string, context: DocumentationPatchContext): MetadataPatch | null {
  const patch = parseJsonAnswer(text, MetadataPatch);
  if (patch === null) return null;
  const allowed = new Set(context.changed.map((c) => c.path));
  const entries = Object.fromEntries(Object.entries(patch.entries).filter(([p]) => allowed.has(p)).map(([p, e]) => [p, oneLine(e)]));
  return { recommendations: patch.recommendations.slice(0, MAX_RECOMMENDATIONS).map(oneLine), entries };
}
