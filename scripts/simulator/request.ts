// Parses a Messages API request body into SimRequest. Lenient about what Claude Code adds
// (metadata, context_management are ignored), strict about what the model needs. Field names
// are checked against the official SDK's request types, so a misspelt field fails to compile.
import type { MessageCreateParamsBase, ThinkingConfigParam } from "@anthropic-ai/sdk/resources/messages";
import type { Block, CacheControl, Message, Role, SimRequest, ToolDef } from "./types.ts";

/** A request body before validation: the SDK's fields, values unknown. */
type RawRequest = { [K in keyof MessageCreateParamsBase]?: unknown };

export class BadRequest extends Error {}

export const BILLING_HEADER_PREFIX = "x-anthropic-billing-header:";

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON without cache_control anywhere: a breakpoint marker does not change the cached bytes. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => (key === "cache_control" ? undefined : v));
}

function cacheControlOf(raw: Record<string, unknown>): CacheControl | null {
  const cc = raw["cache_control"];
  if (!isRecord(cc)) return null;
  return { ttl: cc["ttl"] === "1h" ? "1h" : "5m" };
}

function toolResultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const parts: string[] = [];
  for (const part of content) {
    if (isRecord(part) && part["type"] === "text" && typeof part["text"] === "string") parts.push(part["text"]);
  }
  return parts.join("\n");
}

function parseBlock(raw: unknown, where: string): Block {
  // A string is the API's shorthand for one text block: the same prompt, so the same cache key.
  // Claude Code sends the message that carried a breakpoint as a block and the same message
  // as a string once the breakpoint has moved on; keyed apart, the next call missed the
  // whole first turn (a handoff with it) and wrote it again.
  if (typeof raw === "string") return { kind: "text", text: raw, cache: null, key: canonical({ type: "text", text: raw }), chars: raw.length };
  if (!isRecord(raw) || typeof raw["type"] !== "string") throw new BadRequest(`${where}: content block must be an object with a type`);
  const cache = cacheControlOf(raw);
  const key = canonical(raw);
  const type = raw["type"];
  if (type === "text") {
    const text = raw["text"];
    if (typeof text !== "string") throw new BadRequest(`${where}: text block needs text`);
    return { kind: "text", text, cache, key, chars: text.length };
  }
  if (type === "tool_use") {
    const { id, name, input } = raw;
    if (typeof id !== "string" || typeof name !== "string") throw new BadRequest(`${where}: tool_use needs id and name`);
    const inputRecord = isRecord(input) ? input : {};
    return { kind: "tool_use", id, name, input: inputRecord, cache, key, chars: name.length + JSON.stringify(inputRecord).length };
  }
  if (type === "tool_result") {
    const toolUseId = raw["tool_use_id"];
    if (typeof toolUseId !== "string") throw new BadRequest(`${where}: tool_result needs tool_use_id`);
    const text = toolResultText(raw["content"]);
    return { kind: "tool_result", toolUseId, text, isError: raw["is_error"] === true, cache, key, chars: text.length };
  }
  // thinking, images, documents…: counted by their JSON size, never interpreted.
  return { kind: "other", type, cache, key, chars: key.length };
}

function parseContent(content: unknown, where: string): Block[] {
  if (typeof content === "string") return [parseBlock(content, where)];
  if (!Array.isArray(content)) throw new BadRequest(`${where}: content must be a string or an array`);
  return content.map((block, i) => parseBlock(block, `${where}.content[${i}]`));
}

function parseRole(role: unknown, where: string): Role {
  if (role === "user" || role === "assistant" || role === "system") return role;
  throw new BadRequest(`${where}: role must be user, assistant or system`);
}

function parseTools(tools: unknown): ToolDef[] {
  if (tools === undefined) return [];
  if (!Array.isArray(tools)) throw new BadRequest("tools: must be an array");
  return tools.map((tool, i) => {
    if (!isRecord(tool) || typeof tool["name"] !== "string") throw new BadRequest(`tools[${i}]: needs a name`);
    const key = canonical(tool);
    return { name: tool["name"], cache: cacheControlOf(tool), key, chars: key.length };
  });
}

/** Structured output (Claude Code's session-title request uses it). */
function outputSchema(body: RawRequest): unknown {
  const config = body.output_config;
  const format = isRecord(config) ? config["format"] : undefined;
  return isRecord(format) && format["type"] === "json_schema" ? (format["schema"] ?? null) : null;
}

/** Thinking is on unless absent or disabled (Claude Code sends `{type: "adaptive"}`). */
function thinkingEnabled(body: RawRequest): boolean {
  const kinds: ReadonlyArray<ThinkingConfigParam["type"]> = ["enabled", "adaptive"];
  const thinking = body.thinking;
  return isRecord(thinking) && kinds.some((k) => k === thinking["type"]);
}

export function parseRequest(json: unknown): SimRequest {
  if (!isRecord(json)) throw new BadRequest("body: must be a JSON object");
  const body: RawRequest = json;
  const model = body.model;
  if (typeof model !== "string" || model === "") throw new BadRequest("model: field required");
  const rawMessages = body.messages;
  if (!Array.isArray(rawMessages)) throw new BadRequest("messages: field required");
  const messages: Message[] = rawMessages.map((m, i) => {
    if (!isRecord(m)) throw new BadRequest(`messages[${i}]: must be an object`);
    return { role: parseRole(m["role"], `messages[${i}]`), blocks: parseContent(m["content"], `messages[${i}]`) };
  });
  const rawSystem = body.system;
  // Claude Code's first system block is billing attribution ("x-anthropic-billing-header: cc_version=…"),
  // which varies per session; the API consumes it as a header, so it is neither prompt nor cache key.
  const system = (rawSystem === undefined ? [] : parseContent(rawSystem, "system")).filter(
    (b) => !(b.kind === "text" && b.text.startsWith(BILLING_HEADER_PREFIX)),
  );
  return { model, stream: body.stream === true, system, messages, tools: parseTools(body.tools), outputSchema: outputSchema(body), thinking: thinkingEnabled(body) };
}
