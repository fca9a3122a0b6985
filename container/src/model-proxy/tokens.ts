// Per-run credentials for the model proxy: the engine of one run gets one random token,
// valid from the run's start until it ends (or a deadline passes, should the end be missed).
import { createHash, randomBytes } from "node:crypto";
import type { Usage } from "../protocol.ts";
import { zero } from "./meter.ts";

/** What the proxy saw of one run's model calls. */
export interface RunTraffic {
  runId: string;
  /** Requests forwarded upstream (any route, any outcome). */
  requests: number;
  /** Messages whose usage was seen in full (a stream that ended, or a JSON body). */
  messages: number;
  usage: Usage;
}

interface Live {
  traffic: RunTraffic;
  expiresAt: number;
}

export class RunTokens {
  // Keyed by a hash, so a lookup's timing says nothing about the tokens held.
  readonly #live = new Map<string, Live>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  issue(runId: string, ttlMs: number): string {
    const token = `run-${randomBytes(32).toString("base64url")}`;
    const traffic: RunTraffic = { runId, requests: 0, messages: 0, usage: zero() };
    this.#live.set(digest(token), { traffic, expiresAt: this.#now() + ttlMs });
    return token;
  }

  /** The run a token belongs to, while it lives; null for anything else. */
  find(token: string): RunTraffic | null {
    const key = digest(token);
    const live = this.#live.get(key);
    if (live === undefined) return null;
    // An expired token stays listed (for revoke's report) but opens nothing.
    return this.#now() < live.expiresAt ? live.traffic : null;
  }

  /** Ends a token; returns what its run did (also after it expired), null if never issued. */
  revoke(token: string): RunTraffic | null {
    const key = digest(token);
    const live = this.#live.get(key);
    this.#live.delete(key);
    return live?.traffic ?? null;
  }
}

function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
