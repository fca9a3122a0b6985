// One job's decision: the seed rules' verdict, every option's prediction, the choice and its
// explanation. Pure: the Durable Object gathers the inputs (src/do/session-policy.ts).
import type { ModelPrices } from "../models/table.ts";
import { choose, runnerUp, score } from "./choose.ts";
import { explain } from "./explain.ts";
import { openOptions } from "./options.ts";
import type { JobFacts } from "./predict.ts";
import { predictJob } from "./predict.ts";
import { PATH_OPTIONS } from "./types.ts";
import type { OptionPrediction, PolicyPlan, ProjectProfile, SeedVerdict, SessionPolicy } from "./types.ts";

export interface PlanInput {
  mode: SessionPolicy;
  seed: SeedVerdict;
  facts: JobFacts;
  profile: ProjectProfile;
  prices: ModelPrices;
  handoff: string | null;
  freshWeight: number;
  /** Under economic, heads above this are compacted or handed off (the compaction threshold); null: no cap. */
  resumeCapTokens: number | null;
}

export function predictAll(input: PlanInput): OptionPrediction[] {
  const open = openOptions({ mode: input.mode, seed: input.seed, hasMemory: input.handoff !== null, prefix: input.facts.prefix, resumeCapTokens: input.resumeCapTokens });
  return PATH_OPTIONS.map((option): OptionPrediction => {
    // Options whose starting point does not exist are not priced (a resume without a head).
    const priceable = input.facts.prefix !== null || option === "handoff" || option === "fresh";
    const e = priceable ? predictJob(option, input.facts, input.profile, input.prices, "5m") : null;
    return {
      option,
      allowed: open[option] === null,
      why: open[option],
      costUsd: e?.costUsd ?? 0,
      durationMs: e?.durationMs ?? 0,
      cacheWriteTokens: Math.round(e?.writeTokens ?? 0),
      cacheReadTokens: Math.round(e?.readTokens ?? 0),
    };
  });
}

export function planJob(input: PlanInput): PolicyPlan {
  const predictions = predictAll(input);
  const chosen = choose(predictions, input.freshWeight);
  const seed = input.seed;
  const seedReason = seed.resume ? null : `${seed.reason}: ${seed.detail}`;
  // A cap that closed resuming although it would have been cheapest is worth saying.
  const resume = predictions.find((p) => p.option === "resume");
  const capped = resume !== undefined && !resume.allowed && seed.resume && input.mode === "economic" && score(resume, input.freshWeight) < score(chosen, input.freshWeight);
  const capNote = capped ? resume.why : null;
  const alternative = runnerUp(predictions, chosen.option, input.freshWeight);
  const sessionId = chosen.option === "resume" || chosen.option === "compact_resume" ? (seed.resume ? seed.sessionId : null) : null;
  // Nothing to choose (always, never, or a clean start the owner or operator asked for): today's reasons.
  const onlyOne = predictions.filter((p) => p.allowed).length === 1;
  const reason =
    input.mode === "always" || input.mode === "never" || onlyOne
      ? legacyReason(input.mode, seed)
      : explain({ chosen, runnerUp: alternative, resumeOpen: resume?.allowed === true ? resume : null, prefix: input.facts.prefix, now: input.facts.now, seedReason, capNote });
  const main = predictJob(chosen.option, input.facts, input.profile, input.prices, "5m");
  return {
    mode: input.mode,
    option: chosen.option,
    sessionId,
    // The chosen handoff, or the one a resume falls back to while handoffs are open; plain fresh gets none.
    handoff: chosen.option !== "fresh" && predictions.some((p) => p.option === "handoff" && p.allowed) ? input.handoff : null,
    cacheTtl: "5m",
    reason,
    predictions,
    mainStartTokens: Math.round(main.mainStartTokens),
  };
}

/** Today's reasons: "resumable", or the seed rule that said fresh (never: its own). */
function legacyReason(mode: SessionPolicy, seed: SeedVerdict): string {
  if (!seed.resume) return `${seed.reason}: ${seed.detail}`;
  return mode === "never" ? "policy_never: SESSION_POLICY is never: every update starts a new session" : seed.reason;
}
