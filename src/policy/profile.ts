// A project's running estimates and the priors they start from (engine-model.ts PRIOR).
import { DEFAULT_FILE_TOKENS, PRIOR } from "./engine-model.ts";
import { PATH_OPTIONS } from "./types.ts";
import type { RequestClass } from "./request-kind.ts";
import type { PathOption, ProjectProfile, StepShape, Work, WorkSample } from "./types.ts";

/**
 * Recent updates whose work the prediction takes the median of (with the prior as one more):
 * a project's habits, in which one large request among small ones moves nothing.
 */
export const WORK_WINDOW = 9;
/** Samples kept: enough that each kind has its own window while kinds alternate. */
export const WORK_HISTORY = 30;
/** Samples of a kind before it is predicted from its own (else from all kinds pooled). */
export const MIN_KIND_SAMPLES = 3;
/**
 * Samples of a kind in one kind of session (resumed or new) before they are used as measured:
 * fewer than for a kind, because in the 2026-12-06 benchmark run the fallback's modelled
 * overhead missed by 20-34% while such samples of one kind differed by about 12%.
 */
export const MIN_SESSION_SAMPLES = 2;

export function initialProfile(): ProjectProfile {
  const correction = Object.fromEntries(PATH_OPTIONS.map((o) => [o, { cost: 0, time: 0, seen: 0 }])) as Record<PathOption, { cost: number; time: number; seen: number }>;
  return {
    work: [],
    metadata: { calls: PRIOR.metadata.calls, growth: PRIOR.metadata.growth, output: 0, seen: 0 },
    metadataSamples: [],
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

const COMPONENTS = ["calls", "growth", "output"] as const;

/**
 * Least-squares slope of a component over the samples' target counts, never negative: what
 * one more named file adds (its read, its edit). Null when the counts do not vary.
 */
function slope(samples: readonly WorkSample[], component: (typeof COMPONENTS)[number]): number | null {
  const known = samples.flatMap((w) => (typeof w.targets === "number" ? [{ t: w.targets, y: w[component] }] : []));
  if (known.length < MIN_KIND_SAMPLES) return null;
  const tMean = known.reduce((a, k) => a + k.t, 0) / known.length;
  const yMean = known.reduce((a, k) => a + k.y, 0) / known.length;
  const sxx = known.reduce((a, k) => a + (k.t - tMean) ** 2, 0);
  if (sxx === 0) return null;
  return Math.max(0, known.reduce((a, k) => a + (k.t - tMean) * (k.y - yMean), 0) / sxx);
}

/**
 * The typical work of samples for a step that names `targets` files: their median, moved
 * along their per-target slope from the samples' median count to `targets`.
 */
function typicalWork(samples: readonly WorkSample[], targets: number | null): Work {
  const typical = median(samples.flatMap((w) => (typeof w.targets === "number" ? [w.targets] : [])));
  const at = (component: (typeof COMPONENTS)[number]): number => {
    const base = median(samples.map((w) => w[component]));
    const s = targets === null ? null : slope(samples, component);
    return s === null || targets === null ? base : Math.max(component === "calls" ? 1 : 0, base + s * (targets - typical));
  };
  return { calls: at("calls"), growth: at("growth"), output: at("output") };
}

/** A sample as the request's own work: a new session's step net of what finding its way added. */
export function ownWork(sample: WorkSample, profile: ProjectProfile, ctx: ShapeContext): Work {
  if (sample.session !== "new") return sample;
  return workOfCold(sample, profile, { ...ctx, filesPerUpdate: sample.targets ?? ctx.filesPerUpdate });
}

/**
 * The request's own work (as a session with the history does it). With its kind's recent
 * samples (at least MIN_KIND_SAMPLES): their median, moved along the kind's per-target slope
 * to the number of files or features this request names. Otherwise, per component, the
 * median of all recent updates and the prior.
 */
export function requestWork(profile: ProjectProfile, request: RequestClass | null, ctx: ShapeContext): Work {
  const own = request === null ? [] : profile.work.filter((w) => w.kind === request.kind).slice(-WORK_WINDOW);
  if (request === null || own.length < MIN_KIND_SAMPLES) {
    const samples: Work[] = [PRIOR.updateWarm, ...profile.work.slice(-WORK_WINDOW).map((w) => ownWork(w, profile, ctx))];
    return { calls: median(samples.map((w) => w.calls)), growth: median(samples.map((w) => w.growth)), output: median(samples.map((w) => w.output)) };
  }
  return typicalWork(own.map((w) => ({ ...ownWork(w, profile, ctx), targets: w.targets ?? null })), request.targets);
}

/**
 * The update step's shape in a resumed or a new session. Measured when the project has
 * MIN_SESSION_SAMPLES of this kind in this kind of session: a resumed session often reads and
 * searches as much as a new one (the files a request names are seldom all in its context), so
 * the modelled difference between the two (coldOverhead) is only the fallback.
 */
export function updateShape(profile: ProjectProfile, request: RequestClass | null, session: "resumed" | "new", ctx: ShapeContext): Work {
  const same = request === null ? [] : profile.work.filter((w) => w.kind === request.kind && w.session === session).slice(-WORK_WINDOW);
  if (request !== null && same.length >= MIN_SESSION_SAMPLES) return typicalWork(same, request.targets);
  const work = requestWork(profile, request, ctx);
  return session === "resumed" ? work : coldUpdateShape(work, profile, ctx);
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

/**
 * The metadata step. Lean (the default step): one sentence per changed path and the
 * recommendations, so it scales with the paths the update changes: from the project's own
 * lean steps once there are MIN_KIND_SAMPLES (median and per-path slope), before that from
 * the prior. Legacy: its answer restates the documentation, learned as a running mean.
 */
export function metadataShape(profile: ProjectProfile, ctx: ShapeContext, lean = false): StepShape {
  if (lean) {
    const samples = profile.metadataSamples.slice(-WORK_WINDOW);
    if (samples.length >= MIN_KIND_SAMPLES) return { ...typicalWork(samples, ctx.filesPerUpdate), seen: samples.length };
    return { calls: PRIOR.metadata.calls, growth: PRIOR.metadata.growth, output: PRIOR.metadata.thinking + PRIOR.metadata.leanEntryOutput * ctx.filesPerUpdate, seen: 0 };
  }
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
