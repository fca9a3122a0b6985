// The answer to Claude Code's /compact request: the <analysis>/<summary> layout its prompt
// asks for, listing the user's messages and the files touched (names and sizes, not content:
// after compaction the model must Read again whatever Claude Code does not re-attach).
import { CONTINUATION_PREFIX, userPrompts } from "./conversation.ts";
import type { Prompt } from "./conversation.ts";
import { displayPath, lineCount } from "./knowledge.ts";
import type { Knowledge } from "./knowledge.ts";
import type { Message } from "./types.ts";

/** Characters of each user message the summary quotes: whole requests, as Claude Code's /compact prompt asks ("all user messages"). */
const MAX_QUOTE = 2000;

/** User messages quoted by a summary (section 6), e.g. in the message that continues a compacted session. */
export function quotedUserMessages(continuation: string): string[] {
  const section = /6\. All user messages:\n([\s\S]*?)\n\s*7\./.exec(continuation)?.[1] ?? "";
  return section.split("\n").flatMap((line) => {
    const quoted = /^\s*- ("(?:[^"\\]|\\.)*")$/.exec(line)?.[1];
    if (quoted === undefined) return [];
    const value: unknown = JSON.parse(quoted);
    return typeof value === "string" ? [value] : [];
  });
}

function allUserMessages(prompts: readonly Prompt[]): string[] {
  return prompts.flatMap((p) => (p.text.startsWith(CONTINUATION_PREFIX) ? quotedUserMessages(p.text) : [p.text.slice(0, MAX_QUOTE)]));
}

export function compactionSummary(messages: readonly Message[], k: Knowledge): string {
  // The last prompt is the compaction instruction itself.
  const prompts = userPrompts(messages).slice(0, -1);
  const userMessages = allUserMessages(prompts);
  const latest = userMessages.at(-1) ?? "(none)";
  const files = [...k.actions.keys()].sort().map((path) => {
    const content = k.contents.get(path);
    const size = content === undefined ? "content not in context" : `${lineCount(content)} lines`;
    return `   - ${displayPath(k, path)} (${size}): ${[...(k.actions.get(path) ?? [])].sort().join(", ")}`;
  });
  return [
    "<analysis>",
    `The conversation has ${userMessages.length} user request(s), each a list of file instructions carried out with the Read, Write and Edit tools. ${files.length} file(s) were touched.`,
    "</analysis>",
    "",
    "<summary>",
    "1. Primary Request and Intent:",
    `   The user gives file instructions (create, append, replace, scaffold); the latest was: ${JSON.stringify(latest)}`,
    "",
    "2. Key Technical Concepts:",
    "   - Workspace files edited through Claude Code's file tools",
    "",
    "3. Files and Code Sections:",
    ...(files.length > 0 ? files : ["   - (none)"]),
    "",
    "4. Errors and fixes:",
    "   - None outstanding",
    "",
    "5. Problem Solving:",
    "   Every request was completed.",
    "",
    "6. All user messages:",
    ...userMessages.map((m) => `   - ${JSON.stringify(m)}`),
    "",
    "7. Pending Tasks:",
    "   - None",
    "",
    "8. Current Work:",
    `   Finished the latest request: ${JSON.stringify(latest)}`,
    "",
    "9. Optional Next Step:",
    "   None until the user asks for more.",
    "</summary>",
  ].join("\n");
}
