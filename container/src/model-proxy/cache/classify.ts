// The cache outcome of one model call, from its prefix fingerprints, the usage the answer
// reported and what the workspace's cache should hold. A call reads, writes for the first
// time, extends (reads the known prefix and writes only what is new), sends nothing cacheable,
// or misses: it writes (or leaves uncached) a prefix the cache should have served, and the
// cause says why.
import type { CacheMiss, CacheTtl } from "../../protocol.ts";
import type { PrefixEntry } from "./memory.ts";
import { blockName, firstDifference } from "./prefix.ts";
import type { Breakpoint, PrintShape, RequestPrint } from "./prefix.ts";

/** The API's TTLs. */
export const TTL_MS: Record<CacheTtl, number> = { "5m": 5 * 60_000, "1h": 60 * 60_000 };

/**
 * A read this much short of the remembered prefix still counts as reading it: the API's
 * counts are exact, but a breakpoint can sit a block earlier than the one remembered.
 */
const READ_TOLERANCE = 0.02;

export interface CallUsage {
  readTokens: number;
  writeTokens: number;
  inputTokens: number;
}

/** An earlier request this one should continue (same conversation), with where it came from. */
export interface Reference {
  model: string;
  chain: readonly string[];
  shape: PrintShape;
  breakpoints: readonly Breakpoint[];
  /** From a run before this one (the resumed or forked session's last request). */
  history: boolean;
}

export interface CallInput {
  /** When the request arrived (the cache is looked up then). */
  at: number;
  runId: string;
  print: RequestPrint;
  usage: CallUsage;
  reference: Reference | null;
  prefixes: ReadonlyMap<string, PrefixEntry>;
  /** The model's minimum cacheable length; null when the model table does not list it. */
  floor: number | null;
  /** The run resumes or forks a session, so its calls have a history to read. */
  resumed: boolean;
  /** Resumed, and the memory holds the last call of the session resumed (false: disk new or lost). */
  historyKnown: boolean;
}

export type CallMiss = Omit<CacheMiss, "call">;

export type CallOutcome =
  | { kind: "read" | "extend" | "first_write" | "uncached" }
  | { kind: "miss"; miss: CallMiss };

export function classifyCall(input: CallInput): CallOutcome {
  const { print, usage } = input;
  if (print.breakpoints.length === 0) return { kind: "uncached" };
  if (usage.writeTokens === 0) {
    if (usage.readTokens > 0) return { kind: "read" };
    // Breakpoints sent, nothing read or written: the API caches nothing below the floor.
    if (input.floor !== null && usage.inputTokens < input.floor) {
      return miss(input, { cause: "below_minimum", block: lastBlock(print), tokens: usage.inputTokens, minTokens: input.floor });
    }
    return miss(input, { cause: "unknown", block: lastBlock(print), tokens: usage.inputTokens, detail: "breakpoints sent, nothing read or written" });
  }

  const ref = input.reference;
  if (ref !== null) {
    const refLast = ref.breakpoints.at(-1);
    const refEntry = refLast === undefined ? undefined : input.prefixes.get(ref.chain[refLast.position] ?? "");
    const lost = refEntry === undefined ? 0 : missedTokens(usage, refEntry.tokens);
    // This request does not contain the prefix its conversation cached last time, and it
    // paid for that: the API read less than that prefix.
    if (refLast !== undefined && refEntry !== undefined && lost > 0 && print.chain[refLast.position] !== ref.chain[refLast.position]) {
      if (!alive(refEntry, input.at)) return expired(input, refEntry, lost, ref.history);
      const diff = ref.model !== print.model ? null : firstDifference(print.chain, ref.chain);
      const block = ref.model !== print.model ? "model" : diff === null ? null : blockName(print.shape, diff);
      return miss(input, { cause: "prefix_changed", block, tokens: lost, history: ref.history });
    }
  }

  const target = deepestKnown(input);
  if (target === null) {
    if (input.resumed && !input.historyKnown) {
      return miss(input, { cause: "unknown", block: lastBlock(print), tokens: usage.writeTokens, history: true, detail: "no fingerprints of the resumed session (runner disk new or lost)" });
    }
    return { kind: "first_write" };
  }
  const { entry } = target;
  const covered = entry.tokens === null ? usage.readTokens > 0 : usage.readTokens >= entry.tokens * (1 - READ_TOLERANCE);
  if (covered) return { kind: "extend" };
  const lost = missedTokens(usage, entry.tokens);
  const history = entry.runId !== input.runId;
  if (!alive(entry, input.at)) return expired(input, entry, lost, history);
  return miss(input, { cause: "unknown", block: entry.block, tokens: lost, history, detail: "the prefix was cached and within its TTL, yet written again (evicted upstream?)" });
}

/** The deepest position of this request whose prefix the memory knows. */
function deepestKnown(input: CallInput): { position: number; entry: PrefixEntry } | null {
  for (let i = input.print.chain.length - 1; i >= 0; i--) {
    const entry = input.prefixes.get(input.print.chain[i] ?? "");
    if (entry !== undefined) return { position: i, entry };
  }
  return null;
}

function alive(entry: PrefixEntry, at: number): boolean {
  return at - entry.at <= TTL_MS[entry.ttl];
}

/** What the cache should have served: the remembered prefix minus what was read, within what was written. */
function missedTokens(usage: CallUsage, known: number | null): number {
  if (known === null) return usage.writeTokens;
  return Math.min(usage.writeTokens, Math.max(0, known - usage.readTokens));
}

function expired(input: CallInput, entry: PrefixEntry, tokens: number, history: boolean): CallOutcome {
  return miss(input, { cause: "ttl_expired", block: entry.block, tokens, history, ageSeconds: Math.round((input.at - entry.at) / 1000), ttl: entry.ttl });
}

function lastBlock(print: RequestPrint): string | null {
  const last = print.breakpoints.at(-1);
  return last === undefined ? null : blockName(print.shape, last.position);
}

function miss(input: CallInput, fields: Pick<CallMiss, "cause" | "block" | "tokens"> & Partial<CallMiss>): CallOutcome {
  return {
    kind: "miss",
    miss: {
      history: input.resumed,
      ageSeconds: null,
      ttl: null,
      minTokens: null,
      detail: null,
      ...fields,
    },
  };
}
