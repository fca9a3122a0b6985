// Thinking the simulated model does before its visible output, when the request enables it
// (Claude Code sends `thinking: {type: "adaptive"}`). The API bills thinking as output tokens
// and does not return it in full, so it shows in `usage.output_tokens` (and
// `output_tokens_details.thinking_tokens`) and in the modelled time, not in the transcript.
// The sizes are assumptions (docs/simulator.md): a short plan for a small file edit, and a
// shorter look at tool results before the next step.
import type { RequestKind } from "./types.ts";

export const THINKING_TOKENS = {
  /** The first response to a request: reading it and planning the tool calls. */
  plan: 300,
  /** A later response of the same turn: reading the tool results before acting or answering. */
  followUp: 100,
} as const;

/** Thinking tokens of one response; none for compaction (its <analysis> is visible output) and side requests. */
export function thinkingTokens(enabled: boolean, kind: RequestKind, toolResults: number): number {
  if (!enabled || kind === "compaction" || kind === "other") return 0;
  return toolResults === 0 ? THINKING_TOKENS.plan : THINKING_TOKENS.followUp;
}
