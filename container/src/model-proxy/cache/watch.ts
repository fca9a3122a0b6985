// One run's prompt-cache diagnostics: every model call's fingerprints are classified against
// the workspace's memory and the call this one continues (an earlier call of the run, or the
// last call of the session the run resumed or forked), then the memory learns the call's
// breakpoints. The run's report sums the tokens and lists the misses with their causes.
import type { CacheMiss, CacheReport } from "../../protocol.ts";
import { MAX_CACHE_MISSES } from "../../protocol.ts";
import { classifyCall } from "./classify.ts";
import type { CallOutcome, CallUsage, Reference } from "./classify.ts";
import type { CacheMemory } from "./memory.ts";
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
    const candidates: Reference[] = [];
    const parent = this.#options.sessionIn === null ? null : this.#memory.lastOfSession(this.#options.sessionIn);
    if (parent !== null) candidates.push({ ...parent, history: true });
    for (const call of this.#calls) candidates.push({ ...call.print, history: false });
    let best: Reference | null = null;
    let bestShared = -1;
    for (const candidate of candidates) {
      const shared = candidate.model !== print.model ? 0 : (firstDifference(print.chain, candidate.chain) ?? Math.min(print.chain.length, candidate.chain.length));
      if (shared >= bestShared) {
        best = candidate;
        bestShared = shared;
      }
    }
    return best;
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

/** The floor of a model id, also in its dated form (`claude-opus-4-5-20251101`). */
function floorOf(floors: Readonly<Record<string, number>>, model: string): number | null {
  const exact = floors[model];
  if (exact !== undefined) return exact;
  const undated = /^(.*)-\d{8}$/.exec(model)?.[1];
  return undated === undefined ? null : (floors[undated] ?? null);
}
