// How a project teaches the model. After a job, its update step's real usage is the request's
// own work (model calls, tokens added, output; a session without the history net of what it
// adds), kept among the project's recent updates of any option; its metadata step updates
// that step's shape. Then what the structure still gets wrong for the chosen option (actual /
// predicted again with this job's own work, so a large request teaches no option to be dear)
// updates that option's correction. Running means: the first observation replaces the prior,
// later ones weigh LEARNING_RATE, so a project's recent habits count most.
import type { ModelPrices } from "../models/table.ts";
import type { CacheTtl } from "../runner/protocol.ts";
import type { JobFacts } from "./predict.ts";
import { estimateJob, expectedFiles, shapeContext } from "./predict.ts";
import { WORK_HISTORY, workOfCold } from "./profile.ts";
import type { PathOption, ProjectProfile, StepShape, Work } from "./types.ts";

/** Weight of a new observation once a few are in (about the last 5-6 jobs dominate). */
export const LEARNING_RATE = 0.3;

export interface StepObservation {
  inputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  /** Prompt of the step's last model call (null: the runner did not report it). */
  contextTokens: number | null;
  /** Tokens of the step's final answer. */
  textTokens: number;
  costUsd: number;
  durationMs: number;
}

export interface JobObservation {
  option: PathOption;
  facts: JobFacts;
  metadataTtl: CacheTtl;
  compaction: StepObservation | null;
  main: StepObservation;
  metadata: StepObservation;
  workspaceBytes: number | null;
  fileCount: number;
  /** Paths the update changed (what a lean metadata step described); null: not known. */
  changedPaths?: number | null;
}

function weight(seen: number): number {
  return Math.max(LEARNING_RATE, 1 / (seen + 1));
}

function mean(old: number, value: number, seen: number): number {
  const w = weight(seen);
  return old * (1 - w) + value * w;
}

/**
 * A step's shape from its usage: the prompts of its calls grow from `start` to its last
 * call's `contextTokens`, so their sum (input + cache reads + writes) tells how many calls.
 */
export function observedShape(obs: StepObservation, start: number): Work | null {
  if (obs.contextTokens === null || obs.contextTokens <= 0) return null;
  const prompts = obs.inputTokens + obs.cacheWriteTokens + obs.cacheReadTokens;
  const end = obs.contextTokens;
  const calls = Math.min(100, Math.max(1, (2 * prompts) / Math.max(1, start + end)));
  return { calls, growth: Math.max(0, end - start), output: obs.outputTokens };
}

function learnShape(shape: StepShape, seen: Work | null): StepShape {
  if (seen === null) return shape;
  return {
    calls: mean(shape.calls, seen.calls, shape.seen),
    growth: mean(shape.growth, seen.growth, shape.seen),
    output: mean(shape.output, seen.output, shape.seen),
    seen: shape.seen + 1,
  };
}

const logRatio = (actual: number, predicted: number): number | null => (actual > 0 && predicted > 0 ? Math.log(actual / predicted) : null);

export function learn(profile: ProjectProfile, obs: JobObservation, prices: ModelPrices): ProjectProfile {
  let next: ProjectProfile = { ...profile, workspaceBytes: obs.workspaceBytes ?? profile.workspaceBytes, fileCount: obs.fileCount };
  const head = obs.facts.prefix;
  if (obs.compaction !== null && head !== null && head.contextTokens > 0) {
    const ratio = obs.compaction.outputTokens / (head.contextTokens + head.tailTokens);
    next = { ...next, compactionRatio: { value: mean(next.compactionRatio.value, ratio, next.compactionRatio.seen), seen: next.compactionRatio.seen + 1 } };
  }
  // The main step starts where the structure says (given the compaction just learned).
  const start = estimateJob(obs.option, obs.facts, next, prices, obs.metadataTtl).mainStartTokens;
  const warm = obs.option === "resume" && head !== null && head.primed;
  const mainShape = observedShape(obs.main, start);
  const work = mainShape === null ? null : warm ? mainShape : workOfCold(mainShape, next, shapeContext(obs.facts));
  // Kept as observed, with its request's kind and its session: a kind is predicted from its
  // own samples, in the same kind of session when there are enough (profile.ts updateShape).
  const request = obs.facts.request;
  if (mainShape !== null) {
    const sample = { ...mainShape, session: warm ? ("resumed" as const) : ("new" as const), ...(request === undefined ? {} : { kind: request.kind, targets: request.targets }) };
    next = { ...next, work: [...next.work, sample].slice(-WORK_HISTORY) };
  }
  if (obs.main.contextTokens !== null) {
    const metaStart = obs.main.contextTokens + obs.main.textTokens + obs.facts.metadataPromptTokens;
    const metaShape = observedShape(obs.metadata, metaStart);
    next = { ...next, metadata: learnShape(next.metadata, metaShape) };
    // A lean step's work scales with the paths it describes: kept per sample with their count.
    if (obs.facts.metadataStep === "lean" && metaShape !== null) {
      const sample = { ...metaShape, targets: obs.changedPaths ?? expectedFiles(obs.facts) };
      next = { ...next, metadataSamples: [...next.metadataSamples, sample].slice(-WORK_HISTORY) };
    }
  }
  next = { ...next, metadataTail: { tokens: mean(next.metadataTail.tokens, obs.metadata.textTokens, next.metadataTail.seen), seen: next.metadataTail.seen + 1 } };

  // What the structure, with the shapes just learned, still misses for this option.
  const again = estimateJob(obs.option, obs.facts, next, prices, obs.metadataTtl, work ?? undefined);
  const actualCost = (obs.compaction?.costUsd ?? 0) + obs.main.costUsd + obs.metadata.costUsd;
  const actualTime = (obs.compaction?.durationMs ?? 0) + obs.main.durationMs + obs.metadata.durationMs;
  const old = next.correction[obs.option];
  const cost = logRatio(actualCost, again.costUsd);
  const time = logRatio(actualTime, again.durationMs);
  const corrected = {
    cost: cost === null ? old.cost : mean(old.cost, cost, old.seen),
    time: time === null ? old.time : mean(old.time, time, old.seen),
    seen: old.seen + 1,
  };
  return { ...next, correction: { ...next.correction, [obs.option]: corrected } };
}
