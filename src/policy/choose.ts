// The choice: the cheapest open option whose quality is acceptable. Resume, compaction and a
// handoff carry the project's context; plain fresh does not (a later "undo that" or "same as
// before" finds nothing), so it competes with its cost times SESSION_POLICY_FRESH_WEIGHT.
import type { OptionPrediction, PathOption } from "./types.ts";

/** On equal scores: keep the session, then summarise it, then hand it off. */
const PREFERENCE: readonly PathOption[] = ["resume", "compact_resume", "handoff", "fresh"];

export function score(p: OptionPrediction, freshWeight: number): number {
  return p.option === "fresh" ? p.costUsd * freshWeight : p.costUsd;
}

/** The chosen option; `fresh` is always open, so there is one. */
export function choose(predictions: readonly OptionPrediction[], freshWeight: number): OptionPrediction {
  const open = predictions.filter((p) => p.allowed).sort((a, b) => score(a, freshWeight) - score(b, freshWeight) || PREFERENCE.indexOf(a.option) - PREFERENCE.indexOf(b.option));
  const best = open[0];
  if (best === undefined) throw new Error("no open option: fresh must always be open");
  return best;
}

/** The cheapest other open option (what the explanation compares with), if any. */
export function runnerUp(predictions: readonly OptionPrediction[], chosen: PathOption, freshWeight: number): OptionPrediction | null {
  const others = predictions.filter((p) => p.allowed && p.option !== chosen).sort((a, b) => score(a, freshWeight) - score(b, freshWeight));
  return others[0] ?? null;
}
