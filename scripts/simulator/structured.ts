// Replies to requests that demand JSON matching a schema (structured output), such as
// Claude Code's session-title request: every string field gets a short phrase.
import { isRecord } from "./request.ts";

/** A value that satisfies the simple schemas Claude Code sends (objects of primitives). */
export function fillSchema(schema: unknown, phrase: string): unknown {
  if (!isRecord(schema)) return phrase;
  const properties = schema["properties"];
  switch (schema["type"]) {
    case "object": {
      const out: Record<string, unknown> = {};
      if (isRecord(properties)) for (const [key, value] of Object.entries(properties)) out[key] = fillSchema(value, phrase);
      return out;
    }
    case "array":
      return [];
    case "number":
    case "integer":
      return 0;
    case "boolean":
      return false;
    default:
      return phrase;
  }
}

/** Two to five words from the text, first letter capitalised: a session title. */
export function shortPhrase(text: string): string {
  // Title requests wrap the conversation in <session> tags, followed by instructions.
  const words = (/<session>([\s\S]*?)<\/session>/.exec(text)?.[1] ?? text)
    .split(/\s+/)
    .filter((w) => w !== "")
    .slice(0, 5);
  const phrase = words.join(" ") || "Session";
  return phrase.charAt(0).toUpperCase() + phrase.slice(1);
}
