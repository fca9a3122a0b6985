// One run's prompt-cache diagnostics: every model call's fingerprints are classified against
// the workspace's memory and the call this one continues (an earlier call of the run, or the
// last call of the session the run resumed or forked), then the memory learns the call's
// breakpoints. The run's report sums the tokens and lists the misses with their causes.
import type { CacheMiss, CacheReport } from "../../protocol.ts";
import { MAX_CACHE_MISSES } from "../../protocol.ts";
import { classifyCall } from "./classify.ts";
import type { CallOutcome, CallUsage, Reference } from "./classify.ts";
import type { CacheMemory, RunPrint } from "./memory.ts";
import { blockName, firstDifference } from "./prefix.ts";
import type { RequestPrint } from "./prefix.ts";

export interface CallTokens extends CallUsage {
  writeTokens1h: number;
}

export interface WatchOptions {
  runId: string;
  /** The session the run resumes or forks; null for a new session. */
  sessionIn: string | null;
  /** Model id → minimum cacheable prompt length (RunRequest.cacheFloors). */
  floors: Readonly<Record<string, number>>;
}

export class CacheWatch {
  readonly #memory: CacheMemory;
  readonly #options: WatchOptions;
  readonly #calls: { at: number; print: RequestPrint }[] = [];
  readonly #report: CacheReport = { calls: 0, readTokens: 0, writeTokens: 0, writeTokens1h: 0, misses: [], moreMissTokens: 0 };

  constructor(memory: CacheMemory, options: WatchOptions) {
    this.#memory = memory;
    this.#options = options;
  }

  /** One answered call: `at` is when its request arrived. */
  observe(at: number, print: RequestPrint, tokens: CallTokens): CallOutcome {
    const outcome = classifyCall({
      at,
      runId: this.#options.runId,
      print,
      usage: tokens,
      reference: this.#reference(print),
      prefixes: this.#memory.prefixes,
      floor: floorOf(this.#options.floors, print.model),
      resumed: this.#options.sessionIn !== null,
      historyKnown: this.#parent() !== null,
    });
    this.#learn(at, print, tokens);
    this.#calls.push({ at, print });
    const report = this.#report;
    report.calls++;
    report.readTokens += tokens.readTokens;
    report.writeTokens += tokens.writeTokens;
    report.writeTokens1h += tokens.writeTokens1h;
    if (outcome.kind === "miss") {
      const miss: CacheMiss = { ...outcome.miss, call: report.calls };
      if (report.misses.length < MAX_CACHE_MISSES) report.misses.push(miss);
      else report.moreMissTokens += miss.tokens;
    }
    return outcome;
  }

  /** The run ended: its last call becomes what the next run of `sessionOut` is compared with. */
  finish(sessionOut: string | null): CacheReport {
    this.#memory.finishRun(this.#options.runId, this.#options.sessionIn, sessionOut, this.#calls.at(-1) ?? null);
    return this.#report;
  }

  /**
   * The call this one continues: among the run's earlier calls and the resumed session's last
   * one, the one sharing the longest prefix (side calls of another shape are not compared
   * with the main conversation); the most recent wins a tie.
   */
  #reference(print: RequestPrint): Reference | null {
    let best: Reference | null = null;
    let bestShared = -1;
    const consider = (candidate: Reference, shared: number): void => {
      if (shared >= bestShared) {
        best = candidate;
        bestShared = shared;
      }
    };
    // The resumed session: a resumed conversation replays its whole history, so a call with
    // fewer messages is some side call, not the conversation continued.
    const parent = this.#parent();
    if (parent !== null && print.shape.messages.length >= parent.shape.messages.length) consider({ ...parent, history: true }, shared(print, parent));
    // The run's own calls: only one sharing at least the first block is the same conversation.
    for (const call of this.#calls) {
      const n = shared(print, call.print);
      if (n > 0) consider({ ...call.print, history: false }, n);
    }
    return best;
  }

  #parent(): RunPrint | null {
    return this.#options.sessionIn === null ? null : this.#memory.lastOfSession(this.#options.sessionIn);
  }

  /** Every breakpoint of an answered call is now cached (written or refreshed) from `at`. */
  #learn(at: number, print: RequestPrint, tokens: CallTokens): void {
    if (tokens.readTokens === 0 && tokens.writeTokens === 0) return;
    const last = print.breakpoints.at(-1);
    // A read refreshes the entry it hit: the deepest remembered prefix this call contains.
    for (let i = print.chain.length - 1; i >= 0 && tokens.readTokens > 0; i--) {
      const hit = this.#memory.prefixes.get(print.chain[i] ?? "");
      if (hit !== undefined) {
        hit.at = at;
        break;
      }
    }
    for (const bp of print.breakpoints) {
      const hash = print.chain[bp.position];
      if (hash === undefined) continue;
      const before = this.#memory.prefixes.get(hash);
      this.#memory.prefixes.set(hash, {
        at,
        // An entry keeps the longer TTL it was written with.
        ttl: before?.ttl === "1h" ? "1h" : bp.ttl,
        // read + write is exactly the prompt up to the last breakpoint.
        tokens: bp === last ? tokens.readTokens + tokens.writeTokens : (before?.tokens ?? null),
        block: blockName(print.shape, bp.position),
        runId: before?.runId ?? this.#options.runId,
      });
    }
  }
}

/** Positions two calls have in common from the start (0 across models: separate caches). */
function shared(a: RequestPrint, b: RequestPrint): number {
  if (a.model !== b.model) return 0;
  return firstDifference(a.chain, b.chain) ?? Math.min(a.chain.length, b.chain.length);
}

/** The floor of a model id, also in its dated form (`claude-opus-4-5-20251101`). */
function floorOf(floors: Readonly<Record<string, number>>, model: string): number | null {
  const exact = floors[model];
  if (exact !== undefined) return exact;
  const undated = /^(.*)-\d{8}$/.exec(model)?.[1];
  return undated === undefined ? null : (floors[undated] ?? null);
}
