// The handoff: what a new session is told about the project before its request, built from
// what the product already stores (the project memory: the latest documentation and
// recommendations, and the log of recent requests with the files each changed), within a
// token budget. Earlier requests carry the runner's version labels ("Request for version
// N:", container/src/prompts.ts), the same labels the session's own turns would have shown,
// so a request such as "undo version 4" finds what it refers to. The runner puts the
// handoff before the current request's own label, which stays the prompt's last section.
import { parseVersionLabel, versionLabel } from "../../container/src/prompts.ts";
import { tokensOf } from "./engine-model.ts";

export interface HandoffRequest {
  versionNumber: number;
  prompt: string;
  changedPaths: string[] | null;
  outcome: "succeeded" | "failed";
}

export interface HandoffInput {
  documentation: string | null;
  documentedVersion: number | null;
  recommendations: readonly string[];
  /** Earlier requests, oldest first (the current one excluded). */
  requests: readonly HandoffRequest[];
  budgetTokens: number;
}

const HEADINGS_TOKENS = 40;

/** Paths listed per request; a request that changed more says how many more. */
const MAX_PATHS_PER_REQUEST = 20;

const INTRO = [
  "This is a new session on an existing project. The product that runs it wrote this handoff from its records, so the session starts with what earlier sessions knew:",
  "the project's documentation, open recommendations and the recent requests (each under its version label, with the files it changed).",
  "The request to carry out now comes after the handoff, under its own label.",
].join("\n");

/** A line that reads as a version label would split the prompt into sections: quote it. */
function quoteLabels(text: string): string {
  return text
    .split("\n")
    .map((line) => (parseVersionLabel(line) === null ? line : `> ${line}`))
    .join("\n");
}

function requestBlock(r: HandoffRequest): string {
  const paths = r.changedPaths ?? [];
  const listed = paths.slice(0, MAX_PATHS_PER_REQUEST).join(", ");
  const more = paths.length > MAX_PATHS_PER_REQUEST ? ` and ${paths.length - MAX_PATHS_PER_REQUEST} more` : "";
  const changed = r.changedPaths === null ? "(files changed: not recorded)" : paths.length === 0 ? "(files changed: none)" : `(files changed: ${listed}${more})`;
  return `${versionLabel(r.versionNumber)}\n${quoteLabels(r.prompt.trim())}\n${changed}`;
}

/** Cuts text at a line boundary so it fits `tokens`; null when not even a line fits. */
function cutToTokens(text: string, tokens: number): string | null {
  if (tokensOf(text) <= tokens) return text;
  const lines = text.split("\n");
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    const cost = tokensOf(`${line}\n`);
    if (used + cost > tokens) break;
    kept.push(line);
    used += cost;
  }
  return kept.length === 0 ? null : kept.join("\n");
}

/**
 * The handoff text, or null when there is nothing to hand off. Order of priority within the
 * budget: the most recent requests (what context-dependent requests refer to), then the
 * documentation (cut at a line if it does not fit whole), then the recommendations.
 */
export function buildHandoff(input: HandoffInput): string | null {
  const succeeded = input.requests.filter((r) => r.outcome === "succeeded");
  const failed = input.requests.filter((r) => r.outcome === "failed").map((r) => r.versionNumber);
  if (succeeded.length === 0 && input.documentation === null) return null;
  // Section headings and blank lines take about this many tokens in all.
  let left = input.budgetTokens - tokensOf(INTRO) - HEADINGS_TOKENS;
  const failedNote = failed.length === 0 ? null : `${failed.length === 1 ? "Version" : "Versions"} ${failed.join(", ")} failed and changed nothing.`;
  if (failedNote !== null) left -= tokensOf(failedNote);

  const blocks: string[] = [];
  for (const r of [...succeeded].reverse()) {
    const block = requestBlock(r);
    const cost = tokensOf(`${block}\n`);
    if (cost > left) break;
    blocks.unshift(block);
    left -= cost;
  }
  const omitted = succeeded.length - blocks.length;

  const sections: string[] = [INTRO];
  if (input.documentation !== null) {
    const heading = `## Documentation (as of version ${input.documentedVersion ?? "?"})`;
    const doc = cutToTokens(quoteLabels(input.documentation.trim()), left - tokensOf(`${heading}\n(cut to fit the handoff)\n`));
    if (doc !== null) {
      const cut = doc.length < input.documentation.trim().length ? "\n(cut to fit the handoff)" : "";
      sections.push(`${heading}\n${doc}${cut}`);
      left -= tokensOf(`${heading}\n${doc}${cut}\n`);
    }
  }
  const recs: string[] = [];
  for (const rec of input.recommendations) {
    const line = `- ${quoteLabels(rec.trim()).replaceAll("\n", " ")}`;
    if (tokensOf(`${line}\n`) > left - 10) break;
    recs.push(line);
    left -= tokensOf(`${line}\n`);
  }
  if (recs.length > 0) sections.push(`## Open recommendations\n${recs.join("\n")}`);
  if (failedNote !== null) sections.push(failedNote);
  if (blocks.length > 0) {
    const earlier = omitted > 0 ? ` (${omitted} earlier ones left out)` : "";
    sections.push(`## Recent requests, oldest first${earlier}\n${blocks.join("\n")}`);
  }
  return sections.length === 1 ? null : sections.join("\n\n");
}
