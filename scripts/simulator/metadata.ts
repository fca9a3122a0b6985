// The answer to the runner's metadata request: JSON with recommendations and documentation,
// derived only from the files the model has in context.
import { displayPath, lineCount } from "./knowledge.ts";
import type { Knowledge } from "./knowledge.ts";

export interface ProjectMetadata {
  recommendations: string[];
  documentation: string;
}

const LARGE_FILE_LINES = 200;

export function projectMetadata(k: Knowledge): ProjectMetadata {
  const paths = [...new Set([...k.existing, ...k.contents.keys()])].sort();
  const rel = paths.map((p) => ({ path: p, name: displayPath(k, p), content: k.contents.get(p) }));
  const recommendations: string[] = [];
  if (!rel.some((f) => /(^|\/)readme(\.md)?$/i.test(f.name))) recommendations.push("Add a README.md that explains what the project does and how to run it.");
  const isTest = (name: string): boolean => /(^|\/)tests?\/|\.(test|spec)\./.test(name);
  const untested = rel
    .filter((f) => /\.(ts|tsx|js|mjs|py)$/.test(f.name) && !isTest(f.name))
    .filter((f) => !rel.some((t) => isTest(t.name) && t.name.includes(f.name.replace(/^.*\//, "").replace(/\.\w+$/, ""))))
    .sort((a, b) => lineCount(b.content ?? "") - lineCount(a.content ?? "") || a.name.localeCompare(b.name))
    .slice(0, 3);
  for (const f of untested) recommendations.push(`Add unit tests for ${f.name}.`);
  for (const f of rel) {
    const n = lineCount(f.content ?? "");
    if (n > LARGE_FILE_LINES) recommendations.push(`Split ${f.name} (${n} lines) into smaller modules.`);
  }
  if (recommendations.length === 0) recommendations.push("No issues found in the files in context; keep changes small and documented.");

  const fileLines = rel.map((f) => {
    if (f.content === undefined) return `- \`${f.name}\`: content not in context`;
    const first = f.content.split("\n").find((l) => l.trim() !== "")?.trim().slice(0, 100) ?? "(empty)";
    return `- \`${f.name}\` (${lineCount(f.content)} lines): ${first}`;
  });
  const documentation = ["# Project overview", "", `${rel.length} file(s).`, "", "## Files", "", ...fileLines].join("\n");
  return { recommendations, documentation };
}
