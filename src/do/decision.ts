import type { ChainConfig } from "../config.ts";
import type { Fingerprint } from "../runner/protocol.ts";
import type { ChainState } from "./storage/chain.ts";

export type FreshReason =
  | "flag_off"
  | "project_override_off"
  | "reset_requested"
  | "no_session"
  | "stale"
  | "non_resumable"
  | "structural_change";

export type Decision =
  | { resume: true; sessionId: string; reason: "resumable" }
  | { resume: false; reason: FreshReason; detail: string };

export interface DecisionInput {
  config: ChainConfig;
  projectOverride: boolean | null;
  chain: ChainState;
  now: number;
}

/** The resume flag as it applies to the project: its own override, else SESSION_RESUME_ENABLED. */
export function resumeFlagOn(config: Pick<ChainConfig, "resumeEnabled">, projectOverride: boolean | null): boolean {
  return projectOverride ?? config.resumeEnabled;
}

// The rules of the product plan, in order; the first that says "fresh" wins.
// Structural change needs the runner, so it is judged separately (structuralChange).
export function decide({ config, projectOverride, chain, now }: DecisionInput): Decision {
  if (projectOverride === false) return fresh("project_override_off", "resume is turned off for this project");
  if (projectOverride === null && !config.resumeEnabled) return fresh("flag_off", "SESSION_RESUME_ENABLED is off");
  if (chain.resetPending) return fresh("reset_requested", "the session was reset by the owner");
  if (chain.headSessionId === null) return fresh("no_session", "the project has no session yet");
  if (!chain.resumable) return fresh("non_resumable", "the head session is marked non-resumable");
  const lastUsed = chain.headLastUsedAt ?? chain.headCreatedAt ?? 0;
  const ageMs = now - lastUsed;
  if (ageMs > config.maxAgeMs) {
    return fresh("stale", `last used ${Math.round(ageMs / 60_000)} min ago (limit ${Math.round(config.maxAgeMs / 60_000)} min)`);
  }
  return { resume: true, sessionId: chain.headSessionId, reason: "resumable" };
}

/**
 * Share of the files the session knew that were added or removed since: content edits
 * are ordinary work, a changed file set means the session's picture of the project is wrong.
 */
export function structuralChange(before: Fingerprint, now: Fingerprint): number {
  const beforePaths = new Set(Object.keys(before.files));
  const nowPaths = new Set(Object.keys(now.files));
  let added = 0;
  let removed = 0;
  for (const path of nowPaths) if (!beforePaths.has(path)) added++;
  for (const path of beforePaths) if (!nowPaths.has(path)) removed++;
  return (added + removed) / Math.max(1, beforePaths.size);
}

export function structuralDecision(before: Fingerprint | null, now: Fingerprint, threshold: number): Decision | null {
  if (before === null || before.treeHash === now.treeHash) return null;
  const ratio = structuralChange(before, now);
  if (ratio <= threshold) return null;
  return fresh("structural_change", `${Math.round(ratio * 100)}% of files added or removed since the session was made (threshold ${Math.round(threshold * 100)}%)`);
}

function fresh(reason: FreshReason, detail: string): Decision {
  return { resume: false, reason, detail };
}
