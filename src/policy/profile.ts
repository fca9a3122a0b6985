// A project's running estimates and the priors they start from (engine-model.ts PRIOR).
import { DEFAULT_FILE_TOKENS, PRIOR } from "./engine-model.ts";
import { PATH_OPTIONS } from "./types.ts";
import type { PathOption, ProjectProfile, StepShape, Work } from "./types.ts";

/**
 * Recent updates whose work the prediction takes the median of (with the prior as one more):
 * a project's habits, in which one large request among small ones moves nothing.
 */
export const WORK_WINDOW = 9;

export function initialProfile(): ProjectProfile {
  const correction = Object.fromEntries(PATH_OPTIONS.map((o) => [o, { cost: 0, time: 0, seen: 0 }])) as Record<PathOption, { cost: number; time: number; seen: number }>;
  return {
    work: [],
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The request's own work: per component, the median of the recent updates and the prior. */
export function requestWork(profile: ProjectProfile): Work {
  const samples: Work[] = [PRIOR.updateWarm, ...profile.work.slice(-WORK_WINDOW)];
  return { calls: median(samples.map((w) => w.calls)), growth: median(samples.map((w) => w.growth)), output: median(samples.map((w) => w.output)) };
}

/**
 * What a session without the history adds to the request's work: it reads the files it
 * changes (their tokens, and one more call for the batch of Reads) and writes more on the way
 * (the priors' difference, engine-model.ts PRIOR).
 */
export function coldOverhead(profile: ProjectProfile, ctx: ShapeContext): Work {
  return {
    calls: PRIOR.updateCold.calls - PRIOR.updateWarm.calls,
    growth: PRIOR.updateCold.growthBase - PRIOR.updateWarm.growth + ctx.filesPerUpdate * fileTokens(profile),
    output: PRIOR.updateCold.output - PRIOR.updateWarm.output,
  };
}

/** The update step in a session without the history: the request's work and the overhead of finding its way. */
export function coldUpdateShape(work: Work, profile: ProjectProfile, ctx: ShapeContext): Work {
  const extra = coldOverhead(profile, ctx);
  return { calls: work.calls + extra.calls, growth: work.growth + extra.growth, output: work.output + extra.output };
}

/** A cold session's observed update step net of its overhead: the request's own work. */
export function workOfCold(observed: Work, profile: ProjectProfile, ctx: ShapeContext): Work {
  const extra = coldOverhead(profile, ctx);
  return { calls: Math.max(1, observed.calls - extra.calls), growth: Math.max(0, observed.growth - extra.growth), output: Math.max(1, observed.output - extra.output) };
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
