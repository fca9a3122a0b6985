// Token estimate: no tokenizer offline, so ceil(characters / 4) per prompt segment, the
// usual rule of thumb for English and code. Prompt order follows the API: tools, system,
// messages; each tool, system block and message content block is one segment, so cache
// breakpoints (which sit on blocks) fall on segment boundaries.
import { createHash } from "node:crypto";
import type { CacheControl, OutBlock, SimRequest } from "./types.ts";

export const CHARS_PER_TOKEN = 4;

export interface Segment {
  tokens: number;
  key: string;
  cache: CacheControl | null;
}

export function tokensForChars(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

export function segmentsOf(req: SimRequest): Segment[] {
  const segments: Segment[] = [];
  for (const tool of req.tools) segments.push({ tokens: tokensForChars(tool.chars), key: `tool:${tool.key}`, cache: tool.cache });
  for (const block of req.system) segments.push({ tokens: tokensForChars(block.chars), key: `system:${block.key}`, cache: block.cache });
  req.messages.forEach((message, m) => {
    message.blocks.forEach((block, b) => {
      // The message index keeps "two messages" apart from "one message with two blocks".
      segments.push({ tokens: tokensForChars(block.chars), key: `${m}:${b}:${message.role}:${block.key}`, cache: block.cache });
    });
  });
  return segments;
}

export function totalTokens(segments: readonly Segment[]): number {
  return Math.max(1, segments.reduce((sum, s) => sum + s.tokens, 0));
}

/** Hash of the model id plus every segment up to and including index i: the cache key of that prefix. */
export function prefixHashes(model: string, segments: readonly Segment[]): string[] {
  const hash = createHash("sha256").update(model);
  return segments.map((segment) => hash.update("\u0000").update(segment.key).copy().digest("hex"));
}

export function outputTokens(blocks: readonly OutBlock[]): number {
  let chars = 0;
  for (const block of blocks) chars += block.type === "text" ? block.text.length : block.name.length + JSON.stringify(block.input).length;
  return Math.max(1, tokensForChars(chars));
}
