// The documentation the lean metadata step keeps (docs/policy.md, "The metadata step"): one
// entry per workspace file whose facts (size, lines, first line) code computed and whose
// description the model wrote when the file last changed, plus what changed since the
// previous documented version. It is stored as Markdown (the version's `documentation`
// keeps its shape); parseDocumentation reads back what renderDocumentation wrote, so the
// next version patches it without a second store.
import type { DocumentationPatchContext, FileFacts, MetadataPatch } from "../runner/protocol.ts";

export interface DocumentedFile extends FileFacts {
  /** What the file is for, in the model's words; null when the model has not described it. */
  description: string | null;
}

export interface Documentation {
  files: DocumentedFile[];
  recommendations: string[];
}

export interface Changes {
  added: string[];
  modified: string[];
  removed: string[];
}

const TITLE = "# Project documentation";
const NOTE = "File facts are computed from the workspace; each description was written by the model when its file last changed.";
const FILES_HEADING = "## Files";
/** `- \`path\` (12 lines, 340 bytes): first line` — the first line is JSON-quoted so any text survives. */
const ENTRY = /^- `(.+)` \((\d+) lines?, (\d+) bytes?\)(?:: (".*"))?$/;
const DESCRIPTION_INDENT = "  ";
const UNDESCRIBED = "(not described yet)";

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export function renderDocumentation(doc: Documentation, changes: Changes | null, versionNumber: number, since: number | null): string {
  const files = [...doc.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
  const lines = files.reduce((sum, f) => sum + f.lines, 0);
  const out = [TITLE, "", `Version ${versionNumber}: ${files.length} file(s), ${lines} line(s), ${bytes} byte(s). ${NOTE}`];
  if (changes !== null && since !== null) {
    const listed = [...changes.added.map((p) => `- added \`${p}\``), ...changes.modified.map((p) => `- modified \`${p}\``), ...changes.removed.map((p) => `- removed \`${p}\``)];
    out.push("", `## Changed since version ${since}`, "", ...(listed.length === 0 ? ["- nothing"] : listed));
  }
  out.push("", FILES_HEADING, "");
  for (const f of files) {
    const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
    out.push(`- \`${f.path}\` (${plural(f.lines, "line")}, ${plural(f.bytes, "byte")})${f.firstLine === "" ? "" : `: ${JSON.stringify(f.firstLine)}`}`);
    out.push(`${DESCRIPTION_INDENT}${f.description === null ? UNDESCRIBED : oneLine(f.description)}`);
  }
  if (doc.recommendations.length > 0) out.push("", "## Recommendations", "", ...doc.recommendations.map((r) => `- ${oneLine(r)}`));
  return out.join("\n");
}

/** The files of documentation renderDocumentation wrote; null for any other text (legacy documentation). */
export function parseDocumentation(text: string): DocumentedFile[] | null {
  const lines = text.split("\n");
  if (lines[0] !== TITLE) return null;
  const start = lines.indexOf(FILES_HEADING);
  if (start === -1) return null;
  const files: DocumentedFile[] = [];
  for (let i = start + 2; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.startsWith("## ")) break;
    const m = ENTRY.exec(line);
    if (m === null) continue;
    const [, path = "", lineCount = "0", bytes = "0", quoted] = m;
    let firstLine = "";
    if (quoted !== undefined) {
      try {
        firstLine = String(JSON.parse(quoted));
      } catch {
        return null;
      }
    }
    const next = lines[i + 1] ?? "";
    const description = next.startsWith(DESCRIPTION_INDENT) ? next.slice(DESCRIPTION_INDENT.length) : UNDESCRIBED;
    files.push({ path, lines: Number(lineCount), bytes: Number(bytes), firstLine, description: description === UNDESCRIBED ? null : description });
  }
  return files;
}

/**
 * What the model is asked to describe: the paths changed since the documented version that
 * still exist, and any current file without a description (never described, or a gap).
 * Without usable previous documentation or a known change list, every current file.
 */
export function patchContext(previous: DocumentedFile[] | null, changedSince: readonly string[] | null, current: readonly string[]): DocumentationPatchContext {
  const now = new Set(current);
  const before = new Map((previous ?? []).map((f) => [f.path, f]));
  const ask = previous === null || changedSince === null
    ? [...current]
    : [...new Set([...changedSince.filter((p) => now.has(p)), ...current.filter((p) => before.get(p)?.description == null)])];
  return {
    changed: ask.sort().map((path) => ({ path, previousEntry: before.get(path)?.description ?? null })),
    removed: [...before.keys()].filter((p) => !now.has(p)).sort(),
  };
}

/** Added, modified and removed paths between the previous documentation's files and the current ones. */
export function changesBetween(previous: readonly DocumentedFile[], context: DocumentationPatchContext): Changes {
  const before = new Set(previous.map((f) => f.path));
  const changed = context.changed.map((c) => c.path);
  return {
    added: changed.filter((p) => !before.has(p)),
    modified: changed.filter((p) => before.has(p)),
    removed: context.removed,
  };
}

/**
 * The patch applied: every current file with the facts the runner computed, the model's new
 * description for a path it was asked about (else the previous one), removed paths gone.
 */
export function applyPatch(previous: readonly DocumentedFile[] | null, facts: readonly FileFacts[], patch: MetadataPatch): Documentation {
  const before = new Map((previous ?? []).map((f) => [f.path, f.description]));
  const files = facts.map((f) => {
    const written = patch.entries[f.path];
    return { ...f, description: written !== undefined && oneLine(written) !== "" ? oneLine(written) : (before.get(f.path) ?? null) };
  });
  return { files, recommendations: patch.recommendations };
}
