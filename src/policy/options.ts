// Which ways of starting a job are open. The seed plan's rules come first (src/do/decision.ts:
// flag off, project override, reset, no session, stale, non-resumable, structural change);
// the policy chooses only among what they leave, and adds two limits of its own.
import type { PathOption, PrefixState, SeedVerdict, SessionPolicy } from "./types.ts";

export interface OptionsInput {
  mode: SessionPolicy;
  seed: SeedVerdict;
  /** The project remembers documentation or earlier requests: a handoff has something to say. */
  hasMemory: boolean;
  prefix: PrefixState | null;
  /** Under economic: a head above this many tokens is compacted or handed off, never resumed as it is (the compaction threshold). */
  resumeCapTokens: number | null;
}

/** Why an option is closed (null: open). */
export type Openings = Record<PathOption, string | null>;

/** Seed reasons that close every session-carrying path: the owner or operator asked for a clean start. */
const CLEAN_START = new Set(["flag_off", "project_override_off", "reset_requested"]);

export function openOptions(input: OptionsInput): Openings {
  const { mode, seed } = input;
  const closed = (why: string): Openings => ({ resume: why, compact_resume: why, handoff: why, fresh: null });
  if (mode === "never") return closed("SESSION_POLICY is never: every update starts a new session");
  if (!seed.resume) {
    const why = `${seed.reason}: ${seed.detail}`;
    // Under always, a new session is today's plain one; the handoff is the economic policy's.
    if (mode === "always" || CLEAN_START.has(seed.reason)) return closed(why);
    return { resume: why, compact_resume: why, handoff: input.hasMemory ? null : "the project has no documentation or earlier requests to hand off", fresh: null };
  }
  if (mode === "always") return { resume: null, compact_resume: "SESSION_POLICY is always: the head is resumed as it is", handoff: "SESSION_POLICY is always: the head is resumed", fresh: "SESSION_POLICY is always: the head is resumed" };
  const head = input.prefix;
  const size = head === null ? null : head.contextTokens + head.tailTokens;
  const overCap = size !== null && input.resumeCapTokens !== null && size > input.resumeCapTokens;
  return {
    resume: overCap ? `the ${kTokens(size)}-token history is over the compaction threshold (${kTokens(input.resumeCapTokens ?? 0)})` : null,
    compact_resume: head === null ? "no cache state is known for the head" : !head.primed ? "the head is a compacted session already" : null,
    handoff: input.hasMemory ? null : "the project has no documentation or earlier requests to hand off",
    fresh: null,
  };
}

/** 44_210 → "44K"; under 1,000 as is. */
export function kTokens(tokens: number): string {
  return tokens < 1000 ? String(Math.round(tokens)) : `${Math.round(tokens / 1000)}K`;
}
