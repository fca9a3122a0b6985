// Glob patterns of the engine's Glob tool (and Grep's `glob` filter). Measured on Claude
// Code 2.1.330: an absolute pattern (`/etc/host*`) searches from its own root, whatever the
// `path` argument says; `..` and brace alternatives are passed to the matcher. So the
// pattern's literal directory part is a path like any other, and its wildcard part may
// neither climb (`..`), start elsewhere (`{/etc/*,x}`, `~`) nor escape characters (`\`).
import path from "node:path";
import picomatch from "picomatch";
import { syntaxProblem } from "./path-rules.ts";

export type PatternCheck = { ok: true; base: string } | { ok: false; reason: string };

export function checkPattern(pattern: string): PatternCheck {
  const problem = syntaxProblem(pattern);
  if (problem !== null) return { ok: false, reason: `pattern: ${problem}` };
  // Each alternative of a brace or extglob group, checked on its own.
  const alternatives = pattern.split(/[{},()|]/);
  for (const [i, alternative] of alternatives.entries()) {
    if (i > 0 && alternative.startsWith("/")) return { ok: false, reason: "pattern: an absolute alternative is outside the project's workspace" };
    if (alternative.startsWith("~")) return { ok: false, reason: "pattern: '~' paths are outside the project's workspace" };
    if (alternative.split("/").includes("..")) return { ok: false, reason: "pattern: '..' is not allowed" };
  }
  // picomatch's scan splits the literal directory part from the first wildcard segment
  // (ripgrep, the engine's matcher, has no wildcard picomatch lacks); a pattern without
  // one names a single path, whose directory is where the search starts.
  const scanned = picomatch.scan(pattern);
  const base = scanned.isGlob ? scanned.base : path.posix.dirname(scanned.base);
  return { ok: true, base: base === "" || base === "." ? (pattern.startsWith("/") ? "/" : ".") : base };
}
