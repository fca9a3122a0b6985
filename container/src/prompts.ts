// The prompts the runner sends for each operation, and parsing of the metadata answer.
import { METADATA_MARKER, Metadata } from "./protocol.ts";
import type { Operation } from "./protocol.ts";

export function buildPrompt(operation: Operation, prompt: string): string {
  switch (operation) {
    case "build":
    case "update":
      return prompt;
    case "compact":
      // The slash command is how Claude Code compacts a session in headless mode.
      return "/compact";
    case "metadata":
      return metadataPrompt(prompt);
  }
}

function metadataPrompt(guidance: string): string {
  const lines = [
    METADATA_MARKER,
    "Review the project in the working directory and the work done in this conversation.",
    "Do not create, edit or delete any file.",
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
  const candidates: string[] = [text.trim()];
  const fence = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fence?.[1] !== undefined) candidates.push(fence[1].trim());
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start !== -1 && end > start) candidates.push(text.slice(start, end + 1));
  for (const candidate of candidates) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    const parsed = Metadata.safeParse(value);
    if (parsed.success) return parsed.data;
  }
  return null;
}
