// The prompts the runner sends for each operation, and parsing of the metadata answer.
import { METADATA_MARKER, Metadata } from "./protocol.ts";
import type { MetadataContext, RunRequest, VersionLog } from "./protocol.ts";
import { parseJsonAnswer } from "./json-answer.ts";
import { leanMetadataPrompt } from "./lean-metadata.ts";
import { VERSION_LOG_PATH } from "./product-dir.ts";

/** Delimiters of the previous documentation inside the metadata prompt (the model simulator reads them too). */
export const PREVIOUS_DOCUMENTATION_OPEN = "<previous-documentation>";
export const PREVIOUS_DOCUMENTATION_CLOSE = "</previous-documentation>";
/** Heading of the changed-path list inside the metadata prompt; one `- <path>` line per path follows. */
export const CHANGED_PATHS_HEADING = "Paths changed since then:";

/**
 * The line that opens a build or update prompt: it names the version the user sees, so a
 * later request ("undo version 4") or a handoff written for a new session can point at it.
 */
export function versionLabel(versionNumber: number): string {
  return `Request for version ${versionNumber}:`;
}

/** The version a line labels, or null when it is not a version label. */
export function parseVersionLabel(line: string): number | null {
  const match = /^Request for version (\d+):$/.exec(line.trim());
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** Whether a run gets a version log (and the prompt's sentence about it): an empty one is none. */
export function hasVersionLog(log: VersionLog | null | undefined): log is VersionLog {
  return log != null && log.length > 0;
}

/** Tells a session given the version log (container/src/version-log.ts) that it exists; the model simulator keys on it. */
export const VERSION_LOG_NOTE = `The file ${VERSION_LOG_PATH} lists this project's earlier versions (number, request, changed paths): read it when the request refers to earlier work.`;

export function buildPrompt(req: Pick<RunRequest, "operation" | "prompt" | "versionNumber" | "metadataContext"> & Partial<Pick<RunRequest, "handoff" | "documentationPatch" | "versionLog">>): string {
  switch (req.operation) {
    case "build":
    case "update": {
      const request = req.versionNumber === undefined ? req.prompt : `${versionLabel(req.versionNumber)}\n${req.prompt}`;
      // The handoff and the note come first: the labelled request stays the prompt's last section.
      const before = [req.handoff ?? null, hasVersionLog(req.versionLog) ? VERSION_LOG_NOTE : null].filter((part): part is string => part !== null);
      return [...before, request].join("\n\n");
    }
    case "compact":
      // The slash command is how Claude Code compacts a session in headless mode.
      return "/compact";
    case "metadata":
      return req.documentationPatch == null ? metadataPrompt(req.prompt, req.metadataContext) : leanMetadataPrompt(req.prompt, req.documentationPatch);
  }
}

function contextLines(context: MetadataContext): string[] {
  const changed = context.changedPaths.length === 0 ? ["(none)"] : context.changedPaths.map((p) => `- ${p}`);
  if (context.previousDocumentation === null) {
    return [
      "There is no documentation yet: write it. Use what this conversation already shows; read only the files you need and have not seen.",
      CHANGED_PATHS_HEADING,
      ...changed,
    ];
  }
  return [
    "Below is the project's documentation as of its previous version. Update it rather than writing it again: keep what is still true and change what the changed paths require. Read a changed file only if its current content is not already in this conversation; do not read unchanged files.",
    CHANGED_PATHS_HEADING,
    ...changed,
    PREVIOUS_DOCUMENTATION_OPEN,
    context.previousDocumentation,
    PREVIOUS_DOCUMENTATION_CLOSE,
  ];
}

function metadataPrompt(guidance: string, context: MetadataContext | null): string {
  const lines = [
    METADATA_MARKER,
    "Review the project in the working directory and the work done in this conversation.",
    "Do not create, edit or delete any file.",
    ...(context === null ? [] : contextLines(context)),
    "Reply with a single JSON object and nothing else (no prose, no code fence), shaped exactly like:",
    '{"recommendations": ["<short, actionable next step>", "..."], "documentation": "<Markdown documentation of the project: purpose, structure, how to use it>"}',
  ];
  if (guidance.trim() !== "") lines.push("", `Additional guidance: ${guidance.trim()}`);
  return lines.join("\n");
}

/**
 * Finds the metadata JSON in the final text: the whole text, a fenced block, or the
 * outermost braces, in that order (models do not always follow "no code fence").
 * Returns null when none of them is a valid metadata object.
 */
export function parseMetadata(text: string): Metadata | null {
  return parseJsonAnswer(text, Metadata);
}
