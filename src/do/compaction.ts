import type { ChainConfig } from "../config.ts";
import type { ResultEvent } from "../runner/protocol.ts";

/**
 * Context size of the session after a step: the runner reports its last call's prompt;
 * an older runner does not, and then the average prompt per turn stands in.
 */
export function contextTokens(result: ResultEvent): number {
  if (result.contextTokens !== undefined) return result.contextTokens;
  const u = result.usage;
  return Math.round((u.inputTokens + u.cacheReadInputTokens + u.cacheCreationInputTokens) / Math.max(1, result.numTurns));
}

/** COMPACTION_POLICY: always, never, or above a context size (judged on the job's last step). */
export function shouldCompact(config: Pick<ChainConfig, "compactionPolicy" | "compactionThresholdTokens">, last: ResultEvent | null): boolean {
  return compactionDue(config, last === null ? null : contextTokens(last));
}

/** The same rule on the stored context size of the job's last step (null: no step ran). */
export function compactionDue(config: Pick<ChainConfig, "compactionPolicy" | "compactionThresholdTokens">, tokens: number | null): boolean {
  switch (config.compactionPolicy) {
    case "always":
      return true;
    case "never":
      return false;
    case "threshold":
      return tokens !== null && tokens > config.compactionThresholdTokens;
  }
}
