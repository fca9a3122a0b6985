// Keeping the cache warm on purpose. The TTL of a job's last step decides what the next
// update finds: a 5-minute entry is gone after a coffee, a 1-hour one is not, but its writes
// cost more ($8 against $5 per million for Opus 5.5). Ask for the hour when the project's own
// pauses make a next update within 5-60 minutes likely enough that the warm resume it buys
// saves more than the dearer writes of this job's last step.
import type { ModelPrices } from "../models/table.ts";
import type { CacheTtl } from "../runner/protocol.ts";
import { TTL_MS } from "./engine-model.ts";
import type { JobFacts } from "./predict.ts";
import { predictJob } from "./predict.ts";
import type { PrefixState, ProjectProfile, SessionPolicy } from "./types.ts";

/** Pauses kept per project (between a head's last use and the next job's decision). */
export const MAX_GAPS = 20;

export interface GapOdds {
  /** Next update within 5 minutes: warm with either TTL. */
  within5m: number;
  /** Within 5-60 minutes: warm only with the 1-hour TTL. */
  within1h: number;
  later: number;
}

/**
 * Odds of the next pause, from the project's recent pauses with one pseudo-observation per
 * band (Laplace's rule): with no history each band is 1/3, and a project's habits take over
 * after a few updates.
 */
export function gapOdds(gaps: readonly number[]): GapOdds {
  const recent = gaps.slice(-MAX_GAPS);
  const short = recent.filter((g) => g <= TTL_MS["5m"]).length;
  const hour = recent.filter((g) => g > TTL_MS["5m"] && g <= TTL_MS["1h"]).length;
  const n = recent.length + 3;
  return { within5m: (short + 1) / n, within1h: (hour + 1) / n, later: (recent.length - short - hour + 1) / n };
}

export interface TtlInput {
  mode: SessionPolicy;
  /** The resume flag is off for the project (SESSION_RESUME_ENABLED or its override): the next update cannot resume. */
  resumeOff: boolean;
  /** A compaction follows at the end of the job: the head it leaves has nothing cached. */
  compactionFollows: boolean;
  /** The head as this job will leave it (its usedAt: the end of the job). */
  endPrefix: PrefixState;
  /** Tokens the job's last step writes to the cache (priced at the chosen TTL). */
  lastStepWriteTokens: number;
  /** The next update, as far as it can be told now (its prefix is replaced). */
  nextFacts: JobFacts;
  /** Under economic, a head above this many tokens is not resumed as it is (null: no cap). */
  resumeCapTokens: number | null;
  /** A handoff is possible for the next update (the project has a memory). */
  handoffNext: boolean;
  freshWeight: number;
  profile: ProjectProfile;
  prices: ModelPrices;
  gaps: readonly number[];
}

export interface TtlChoice {
  ttl: CacheTtl;
  /** Expected saving of the hour on the next update, and its extra cost now (USD). */
  expectedSavingUsd: number;
  extraCostUsd: number;
  odds: GapOdds;
}

export function chooseTtl(input: TtlInput): TtlChoice {
  const odds = gapOdds(input.gaps);
  const extraCostUsd = (input.lastStepWriteTokens * (input.prices.cacheWrite1hPerMTok - input.prices.cacheWrite5mPerMTok)) / 1e6;
  // Nothing to keep warm: the next update starts fresh anyway, or the head will be compacted first.
  const overCap = input.mode === "economic" && input.resumeCapTokens !== null && input.endPrefix.contextTokens + input.endPrefix.tailTokens > input.resumeCapTokens;
  if (input.mode === "never" || input.resumeOff || input.compactionFollows || overCap) return { ttl: "5m", expectedSavingUsd: 0, extraCostUsd, odds };
  // The next update 30 minutes on: warm with the hour, cold without it.
  const at = input.endPrefix.usedAt + 30 * 60_000;
  const next = (ttl: CacheTtl): JobFacts => ({ ...input.nextFacts, now: at, prefix: { ...input.endPrefix, ttl }, sharedPrefixWarm: false });
  const cost = (option: "resume" | "handoff" | "fresh", ttl: CacheTtl): number => predictJob(option, next(ttl), input.profile, input.prices, "5m").costUsd;
  const coldResume = cost("resume", "5m");
  const warmResume = cost("resume", "1h");
  let coldBest = coldResume;
  let warmBest = warmResume;
  if (input.mode === "economic") {
    const alternatives = [cost("fresh", "5m") * input.freshWeight, ...(input.handoffNext ? [cost("handoff", "5m")] : [])];
    coldBest = Math.min(coldResume, ...alternatives);
    warmBest = Math.min(warmResume, ...alternatives);
  }
  const expectedSavingUsd = odds.within1h * Math.max(0, coldBest - warmBest);
  return { ttl: expectedSavingUsd > extraCostUsd ? "1h" : "5m", expectedSavingUsd, extraCostUsd, odds };
}
