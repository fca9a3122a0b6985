// Prompt caching as the Anthropic API documents it: a block with cache_control is a
// breakpoint; the prefix up to a breakpoint is written to the cache; a later request reads
// the longest cached prefix found at a breakpoint or up to LOOKBACK_BLOCKS blocks before one.
// Entries live 5 minutes (or 1 hour with ttl "1h") and every hit refreshes them.
import { findModel } from "../../src/models/table.ts";
import type { Segment } from "./tokens.ts";

export const LOOKBACK_BLOCKS = 20;
const TTL_MS = { "5m": 5 * 60_000, "1h": 60 * 60_000 } as const;

export interface CacheOutcome {
  readTokens: number;
  write5mTokens: number;
  write1hTokens: number;
  uncachedTokens: number;
}

/** Smallest cacheable prefix of a model the simulator answers (src/models/table.ts); shorter prefixes are never cached. */
export function minCacheableTokens(model: string): number {
  const spec = findModel(model);
  if (spec === null) throw new Error(`model ${model} is not in src/models/table.ts`);
  return spec.minCacheableTokens;
}

export class PromptCache {
  readonly #now: () => number;
  readonly #entries = new Map<string, { expiresAt: number; ttlMs: number }>();

  constructor(now: () => number) {
    this.#now = now;
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Prices one request against the cache and records its breakpoints. */
  apply(model: string, segments: readonly Segment[], hashes: readonly string[]): CacheOutcome {
    const now = this.#now();
    const prefix: number[] = [];
    let running = 0;
    for (const s of segments) prefix.push((running += s.tokens));
    const total = running;
    const min = minCacheableTokens(model);
    const breakpoints = segments.flatMap((s, i) => (s.cache !== null && (prefix[i] ?? 0) >= min ? [i] : []));
    const last = breakpoints.at(-1);
    if (last === undefined) return { readTokens: 0, write5mTokens: 0, write1hTokens: 0, uncachedTokens: total };

    let hit = -1;
    for (const b of breakpoints) {
      for (let j = b; j >= Math.max(0, b - LOOKBACK_BLOCKS); j--) {
        if (this.#alive(hashes[j], now)) {
          hit = Math.max(hit, j);
          break;
        }
      }
    }
    const readTokens = hit >= 0 ? (prefix[hit] ?? 0) : 0;
    let write5mTokens = 0;
    let write1hTokens = 0;
    for (let i = hit + 1; i <= last; i++) {
      // A segment is written with the TTL of the first breakpoint that covers it.
      const cover = breakpoints.find((b) => b >= i) ?? last;
      const tokens = segments[i]?.tokens ?? 0;
      if (segments[cover]?.cache?.ttl === "1h") write1hTokens += tokens;
      else write5mTokens += tokens;
    }
    // A hit refreshes its entry with the entry's own TTL; every breakpoint is stored (or refreshed).
    const hitEntry = this.#entries.get(hashes[hit] ?? "");
    if (hitEntry !== undefined) hitEntry.expiresAt = now + hitEntry.ttlMs;
    for (const b of breakpoints) {
      const hash = hashes[b];
      if (hash === undefined) continue;
      const ttlMs = Math.max(TTL_MS[segments[b]?.cache?.ttl ?? "5m"], this.#entries.get(hash)?.ttlMs ?? 0);
      this.#entries.set(hash, { expiresAt: now + ttlMs, ttlMs });
    }
    this.#sweep(now);
    return { readTokens, write5mTokens, write1hTokens, uncachedTokens: total - (prefix[last] ?? 0) };
  }

  #alive(hash: string | undefined, now: number): boolean {
    if (hash === undefined) return false;
    const entry = this.#entries.get(hash);
    return entry !== undefined && entry.expiresAt > now;
  }

  #sweep(now: number): void {
    if (this.#entries.size < 10_000) return;
    for (const [hash, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(hash);
  }
}
