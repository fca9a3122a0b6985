// Which earlier requests the model has in context, by the version labels the runner puts on
// build and update prompts (container/src/prompts.ts `versionLabel`). A labelled request is
// in context when its text is: an earlier user message of the session, a quoted user message
// in a compaction summary, or a labelled entry earlier in the current prompt (a handoff
// written into a new session's first prompt).
import { parseVersionLabel } from "../../container/src/prompts.ts";
import { CONTINUATION_PREFIX, userPrompts } from "./conversation.ts";
import { quotedUserMessages } from "./summary.ts";
import type { Message } from "./types.ts";

export interface LabelledRequest {
  versionNumber: number;
  /** The request's text without its label line. */
  prompt: string;
}

export interface RequestContext {
  /** The request to carry out: the latest prompt's last labelled section, or the whole prompt when unlabelled. */
  current: { versionNumber: number | null; text: string };
  /** Earlier labelled requests in context, oldest version first, one per version. */
  history: LabelledRequest[];
}

/** A text split at its label lines: what comes before the first label, then each labelled section. */
export function labelledSections(text: string): { head: string; sections: LabelledRequest[] } {
  const head: string[] = [];
  const sections: Array<{ versionNumber: number; lines: string[] }> = [];
  for (const line of text.split("\n")) {
    const version = parseVersionLabel(line);
    if (version !== null) sections.push({ versionNumber: version, lines: [] });
    else (sections.at(-1)?.lines ?? head).push(line);
  }
  return { head: head.join("\n"), sections: sections.map((s) => ({ versionNumber: s.versionNumber, prompt: s.lines.join("\n").trim() })) };
}

function expand(text: string): string[] {
  return text.startsWith(CONTINUATION_PREFIX) ? quotedUserMessages(text) : [text];
}

/** The current request and the labelled requests in context, as of the latest user prompt. */
export function requestContext(messages: readonly Message[]): RequestContext {
  const prompts = userPrompts(messages).map((p) => p.text);
  const latest = prompts.at(-1) ?? "";
  const seen = new Map<number, string>();
  for (const text of prompts.slice(0, -1).flatMap(expand)) {
    for (const section of labelledSections(text).sections) seen.set(section.versionNumber, section.prompt);
  }
  const { sections } = labelledSections(latest);
  const last = sections.at(-1);
  for (const section of sections.slice(0, -1)) seen.set(section.versionNumber, section.prompt);
  const current = last === undefined ? { versionNumber: null, text: latest } : { versionNumber: last.versionNumber, text: last.prompt };
  const history = [...seen]
    .filter(([version]) => current.versionNumber === null || version < current.versionNumber)
    .sort(([a], [b]) => a - b)
    .map(([versionNumber, prompt]) => ({ versionNumber, prompt }));
  return { current, history };
}
