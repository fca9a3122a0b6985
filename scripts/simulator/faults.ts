// Injected API failures: each fault answers the next `count` matching requests with an
// error instead of a model reply. Faults are consulted in the order they were added.
import { BadRequest, isRecord } from "./request.ts";
import type { RequestKind } from "./types.ts";

export type FaultMatch = "any" | RequestKind;

export interface Fault {
  status: number;
  /** Requests still to fail. */
  remaining: number;
  match: FaultMatch;
  message: string | null;
  /** Sent as `retry-after` (seconds); the Anthropic SDK honours it when retrying. */
  retryAfterSeconds: number | null;
  /** Sent as `x-should-retry`; false makes the SDK give up at once. */
  shouldRetry: boolean | null;
  /** Start the stream (message_start) and then send an SSE `error` event, as an overload mid-stream does. */
  midStream: boolean;
}

const MATCHES: readonly FaultMatch[] = ["any", "turn", "compaction", "metadata", "other"];

function isFaultMatch(value: unknown): value is FaultMatch {
  return MATCHES.some((m) => m === value);
}

function optionalNumber(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new BadRequest(`${field}: must be a non-negative number`);
  return value;
}

export function parseFault(body: unknown): Fault {
  if (!isRecord(body)) throw new BadRequest("fault: must be a JSON object");
  const status = body["status"];
  if (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599) {
    throw new BadRequest("status: must be an HTTP error status (400-599), e.g. 429, 500, 529");
  }
  const count = body["count"] ?? 1;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1) throw new BadRequest("count: must be a positive integer");
  const match = body["match"] ?? (body["compactionOnly"] === true ? "compaction" : "any");
  if (!isFaultMatch(match)) throw new BadRequest(`match: one of ${MATCHES.join(", ")}`);
  const message = body["message"];
  if (message !== undefined && typeof message !== "string") throw new BadRequest("message: must be a string");
  const shouldRetry = body["shouldRetry"];
  if (shouldRetry !== undefined && typeof shouldRetry !== "boolean") throw new BadRequest("shouldRetry: must be a boolean");
  return {
    status,
    remaining: count,
    match,
    message: message ?? null,
    retryAfterSeconds: optionalNumber(body["retryAfterSeconds"], "retryAfterSeconds"),
    shouldRetry: shouldRetry ?? null,
    midStream: body["midStream"] === true,
  };
}

export class FaultQueue {
  #faults: Fault[] = [];

  add(fault: Fault): void {
    this.#faults.push(fault);
  }

  clear(): void {
    this.#faults = [];
  }

  list(): readonly Fault[] {
    return this.#faults;
  }

  /** The fault to apply to a request of this kind, if any; uses up one of its count. */
  take(kind: RequestKind): Fault | null {
    const fault = this.#faults.find((f) => f.match === "any" || f.match === kind);
    if (fault === undefined) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults = this.#faults.filter((f) => f !== fault);
    return fault;
  }
}
