// Token usage of one Messages API answer, read from a copy of the bytes as they pass: the
// answer itself is never held back. SSE: `message_start` carries the usage so far,
// `message_delta` replaces the fields it names (the API sends cumulative counts), and
// `message_stop` completes the message. JSON: the body's `usage`, parsed at the end.
import { StringDecoder } from "node:string_decoder";
import type { Usage } from "../protocol.ts";

/** A non-streamed answer larger than this is forwarded but not metered. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;

const FIELDS: ReadonlyArray<[keyof Usage, string]> = [
  ["inputTokens", "input_tokens"],
  ["outputTokens", "output_tokens"],
  ["cacheCreationInputTokens", "cache_creation_input_tokens"],
  ["cacheReadInputTokens", "cache_read_input_tokens"],
];

export interface MeterResult {
  /** Completed messages and their summed usage. */
  messages: number;
  usage: Usage;
  /** The part of usage.cacheCreationInputTokens written with the 1-hour TTL (`cache_creation.ephemeral_1h_input_tokens`). */
  cacheCreation1hTokens: number;
}

export class UsageMeter {
  readonly #sse: boolean;
  readonly #decoder = new StringDecoder("utf8");
  #pending = "";
  #jsonBytes = 0;
  #current: Usage | null = null;
  #current1h = 0;
  readonly #done: MeterResult = { messages: 0, usage: zero(), cacheCreation1hTokens: 0 };

  constructor(contentType: string) {
    this.#sse = contentType.toLowerCase().startsWith("text/event-stream");
  }

  feed(chunk: Buffer): void {
    if (this.#sse) {
      const lines = (this.#pending + this.#decoder.write(chunk)).split("\n");
      this.#pending = lines.pop() ?? "";
      for (const line of lines) this.#line(line);
      return;
    }
    this.#jsonBytes += chunk.length;
    if (this.#jsonBytes <= MAX_JSON_BYTES) this.#pending += this.#decoder.write(chunk);
  }

  end(): MeterResult {
    const rest = this.#pending + this.#decoder.end();
    this.#pending = "";
    if (this.#sse) {
      if (rest !== "") this.#line(rest);
    } else if (this.#jsonBytes <= MAX_JSON_BYTES) {
      const body = parse(rest);
      if (body !== null && body.type === "message") this.#complete(merge(zero(), body.usage), oneHour(0, body.usage));
    }
    return this.#done;
  }

  #line(raw: string): void {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (!line.startsWith("data:")) return;
    const event = parse(line.slice(5));
    if (event === null) return;
    switch (event.type) {
      case "message_start": {
        const usage = isRecord(event.message) ? event.message.usage : undefined;
        this.#current = merge(zero(), usage);
        this.#current1h = oneHour(0, usage);
        return;
      }
      case "message_delta":
        if (this.#current !== null) {
          this.#current = merge(this.#current, event.usage);
          this.#current1h = oneHour(this.#current1h, event.usage);
        }
        return;
      case "message_stop":
        if (this.#current !== null) this.#complete(this.#current, this.#current1h);
        this.#current = null;
        return;
      default:
        return;
    }
  }

  #complete(usage: Usage, writes1h: number): void {
    this.#done.messages++;
    this.#done.cacheCreation1hTokens += writes1h;
    for (const [key] of FIELDS) this.#done.usage[key] += usage[key];
  }
}

export function zero(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
}

/** `base` with every count `raw` names replaced (absent or non-numeric fields keep base's). */
function merge(base: Usage, raw: unknown): Usage {
  const out = { ...base };
  if (!isRecord(raw)) return out;
  for (const [key, wire] of FIELDS) {
    const value = raw[wire];
    if (typeof value === "number" && Number.isFinite(value) && value >= 0) out[key] = value;
  }
  return out;
}

/** `cache_creation.ephemeral_1h_input_tokens` when `raw` names it, else `base`. */
function oneHour(base: number, raw: unknown): number {
  if (!isRecord(raw) || !isRecord(raw.cache_creation)) return base;
  const value = raw.cache_creation.ephemeral_1h_input_tokens;
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : base;
}

function parse(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
