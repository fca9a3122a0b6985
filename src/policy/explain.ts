// The stored resume_reason: what was chosen and why, in words a user understands, e.g.
// "resumed: cache warm, written 2 min ago; predicted $0.031 vs $0.065 with a handoff".
// It starts with a short key before ": " (the metrics group by it).
import { kTokens } from "./options.ts";
import { prefixWarm } from "./predict.ts";
import type { CacheTtl, OptionPrediction, PathOption, PrefixState } from "./types.ts";

export const OPTION_KEY: Record<PathOption, string> = {
  resume: "resumed",
  compact_resume: "compacted and resumed",
  handoff: "fresh with handoff",
  fresh: "fresh",
};

const OPTION_AS_ALTERNATIVE: Record<PathOption, string> = {
  resume: "resuming",
  compact_resume: "compacting first",
  handoff: "with a handoff",
  fresh: "fresh",
};

export function usd(value: number): string {
  return `$${value < 0.1 ? value.toFixed(3) : value.toFixed(2)}`;
}

/** 90_000 → "2 min", 3 h, 2 days. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

const TTL_WORDS: Record<CacheTtl, string> = { "5m": "5-minute", "1h": "1-hour" };

/** The cache's state in words: "cache warm, written 2 min ago" / "cache expired 3 h ago (5-minute TTL)". */
export function cacheWords(prefix: PrefixState | null, now: number): string {
  if (prefix === null) return "cache state unknown";
  if (!prefix.primed) return "the compacted session has nothing cached yet";
  const since = ago(now - prefix.usedAt);
  return prefixWarm(prefix, now) ? `cache warm, written ${since} ago` : `cache expired, last used ${since} ago (${TTL_WORDS[prefix.ttl]} TTL)`;
}

export interface ExplainInput {
  chosen: OptionPrediction;
  runnerUp: OptionPrediction | null;
  /** The resume's prediction when resuming was open (null: closed). */
  resumeOpen: OptionPrediction | null;
  prefix: PrefixState | null;
  now: number;
  /** The seed rule that closed resuming, as "<reason>: <detail>" (null: resuming was open). */
  seedReason: string | null;
  /** The option that would have been cheapest but was closed by a cap, with why. */
  capNote: string | null;
}

export function explain(input: ExplainInput): string {
  const { chosen, runnerUp, prefix, now } = input;
  const parts: string[] = [];
  if (input.seedReason !== null) parts.push(input.seedReason);
  else if (chosen.option === "resume" || chosen.option === "compact_resume" || prefix !== null) parts.push(cacheWords(prefix, now));
  if (input.capNote !== null) parts.push(input.capNote);
  if (chosen.option === "resume" && prefix !== null && !prefixWarm(prefix, now)) parts.push(`the ${kTokens(prefix.contextTokens)}-token history is written again`);
  if (chosen.option !== "resume" && input.seedReason === null && prefix !== null && !prefixWarm(prefix, now)) {
    parts.push(`resuming would write the ${kTokens(prefix.contextTokens)}-token history again`);
  }
  // Against a resume when one was possible (what the product did before), else the runner-up.
  const other = input.resumeOpen !== null && chosen.option !== "resume" ? input.resumeOpen : runnerUp;
  const caveat = other !== null && other.option === "fresh" && other.costUsd < chosen.costUsd ? ", which keeps no context" : "";
  const versus = other === null ? "" : ` vs ${usd(other.costUsd)} ${OPTION_AS_ALTERNATIVE[other.option]}${caveat}`;
  parts.push(`predicted ${usd(chosen.costUsd)}${versus}`);
  return `${OPTION_KEY[chosen.option]}: ${parts.join("; ")}`;
}
