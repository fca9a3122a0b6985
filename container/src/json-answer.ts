// A JSON object in a model's final text: the whole text, a fenced block, or the outermost
// braces, in that order (models do not always follow "no code fence").
import type { z } from "zod";

/** The first candidate that parses as JSON and as `schema`, or null. */
export function parseJsonAnswer<T>(text: string, schema: z.ZodType<T>): T | null {
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
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
  }
  return null;
}
