// A project's running estimates and the priors they start from (engine-model.ts PRIOR).
import { DEFAULT_FILE_TOKENS, PRIOR } from "./engine-model.ts";
import { PATH_OPTIONS } from "./types.ts";
import type { PathOption, ProjectProfile, StepShape } from "./types.ts";

export function initialProfile(): ProjectProfile {
  const correction = Object.fromEntries(PATH_OPTIONS.map((o) => [o, { cost: 0, time: 0, seen: 0 }])) as Record<PathOption, { cost: number; time: number; seen: number }>;
  return {
    updateWarm: { ...PRIOR.updateWarm, seen: 0 },
    updateCold: { calls: PRIOR.updateCold.calls, growth: PRIOR.updateCold.growthBase, output: PRIOR.updateCold.output, seen: 0 },
    metadata: { calls: PRIOR.metadata.calls, growth: PRIOR.metadata.growth, output: 0, seen: 0 },
    compactionRatio: { value: PRIOR.compactionRatio, seen: 0 },
    metadataTail: { tokens: 0, seen: 0 },
    correction,
    workspaceBytes: null,
    fileCount: null,
  };
}

/** Mean tokens of one of the project's files (the runner reports the workspace's bytes). */
export function fileTokens(profile: ProjectProfile): number {
  if (profile.workspaceBytes === null || profile.fileCount === null || profile.fileCount === 0) return DEFAULT_FILE_TOKENS;
  return Math.max(1, Math.round(profile.workspaceBytes / 4 / profile.fileCount));
}

export interface ShapeContext {
  /** Mean paths changed per update, from the project's log. */
  filesPerUpdate: number;
  /** Tokens of the documentation the metadata step restates. */
  documentationTokens: number;
}

/** The update step in a session that has the history. */
export function warmUpdateShape(profile: ProjectProfile): StepShape {
  return profile.updateWarm;
}

/** The update step in a session without the history: before it is learned, it reads the files it changes. */
export function coldUpdateShape(profile: ProjectProfile, ctx: ShapeContext): StepShape {
  if (profile.updateCold.seen > 0) return profile.updateCold;
  return { ...profile.updateCold, growth: PRIOR.updateCold.growthBase + ctx.filesPerUpdate * fileTokens(profile) };
}

/** The metadata step: before it is learned, its answer restates the documentation. */
export function metadataShape(profile: ProjectProfile, ctx: ShapeContext): StepShape {
  if (profile.metadata.seen > 0) return profile.metadata;
  return { ...profile.metadata, output: ctx.documentationTokens + PRIOR.metadata.thinking };
}

/** The metadata step's final answer, which the next resume sends uncached. */
export function metadataTailTokens(profile: ProjectProfile, documentationTokens: number): number {
  return profile.metadataTail.seen > 0 ? profile.metadataTail.tokens : documentationTokens;
}

/** The per-project correction of an option's cost or time, as a factor (bounded to 1/3..3). */
export function correctionFactor(profile: ProjectProfile, option: PathOption, what: "cost" | "time"): number {
  const log = profile.correction[option][what];
  return Math.exp(Math.min(Math.log(3), Math.max(-Math.log(3), log)));
}
