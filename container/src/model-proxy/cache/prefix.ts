// Prefix fingerprints of one Messages API request: a hash chain over the blocks in the order
// the API caches them (tools, system, then each message's content blocks). Position i holds
// sha256(position i-1 ‖ canonical JSON of block i), seeded with the model id (the cache is
// per model), so one hash names the whole prefix up to and including block i. The
// `cache_control` marker is left out of the canonical form: moving the breakpoint to the
// newest message is not a change of the prefix. Only hashes are kept, never content.
import { createHash } from "node:crypto";
import type { CacheTtl } from "../../protocol.ts";

/** Hex characters kept of each sha256 (96 bits: collisions are out of reach for one project). */
const HASH_CHARS = 24;

export interface Breakpoint {
  /** Index into `chain`. */
  position: number;
  ttl: CacheTtl;
}

/** How many chain positions each part has: enough to name a position without the content. */
export interface PrintShape {
  tools: number;
  system: number;
  /** Content blocks per message, in order. */
  messages: number[];
}

export interface RequestPrint {
  model: string;
  chain: string[];
  shape: PrintShape;
  breakpoints: Breakpoint[];
}

/** The fingerprints of a parsed /v1/messages body; null when it is not one. */
export function printRequest(body: unknown): RequestPrint | null {
  if (!isRecord(body) || typeof body.model !== "string" || !Array.isArray(body.messages)) return null;
  const model = body.model;
  const chain: string[] = [];
  const breakpoints: Breakpoint[] = [];
  let previous = digest(`model\u0000${model}`);
  const push = (block: unknown, identity: unknown = block): void => {
    previous = digest(`${previous}\u0000${canonical(identity)}`);
    chain.push(previous);
    const ttl = breakpointTtl(block);
    if (ttl !== null) breakpoints.push({ position: chain.length - 1, ttl });
  };
  const tools = Array.isArray(body.tools) ? body.tools : [];
  for (const tool of tools) push(tool);
  const system = typeof body.system === "string" ? [{ type: "text", text: body.system }] : Array.isArray(body.system) ? body.system : [];
  for (const block of system) push(block);
  const messages: number[] = [];
  for (const message of body.messages) {
    const role = isRecord(message) && typeof message.role === "string" ? message.role : "?";
    const content = isRecord(message) ? message.content : undefined;
    // The API reads a string as one text block: both forms are the same prefix.
    const blocks = typeof content === "string" ? [{ type: "text", text: content }] : Array.isArray(content) ? content : [];
    // The role is part of every block's identity (a user text is not an assistant text).
    for (const block of blocks) push(block, { role, block });
    messages.push(blocks.length);
  }
  return { model, chain, shape: { tools: tools.length, system: system.length, messages }, breakpoints };
}

/** What the person reading a miss calls position i: `tools`, `system` or `message N` (1-based). */
export function blockName(shape: PrintShape, position: number): string {
  if (position < shape.tools) return "tools";
  let at = shape.tools + shape.system;
  if (position < at) return "system";
  for (let m = 0; m < shape.messages.length; m++) {
    at += shape.messages[m] ?? 0;
    if (position < at) return `message ${m + 1}`;
  }
  return `message ${shape.messages.length}`;
}

/** The first position where two chains differ; null when one is a prefix of the other. */
export function firstDifference(a: readonly string[], b: readonly string[]): number | null {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return null;
}

function breakpointTtl(block: unknown): CacheTtl | null {
  if (!isRecord(block) || !isRecord(block.cache_control)) return null;
  // The API's default TTL is 5 minutes; "1h" is the only other value it accepts.
  return block.cache_control.ttl === "1h" ? "1h" : "5m";
}

/**
 * JSON without `cache_control`, keys in the order sent: the API caches the prompt as
 * rendered, so a reordered object (a tool's schema, a tool call's input) is a changed prefix.
 */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => (key === "cache_control" ? undefined : v)) ?? "null";
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, HASH_CHARS);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
