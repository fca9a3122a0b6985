// Predicted cost and time of a job (its main step, the metadata step after it, and a
// compaction first for compact_resume) for each way of starting it, from what the Durable
// Object knows: the head's prefix in the prompt cache, the model's prices, the project's size
// and its learned step shapes. cost-model.ts prices each step.
import type { ModelPrices } from "../models/table.ts";
import type { CacheTtl } from "../runner/protocol.ts";
import { addEstimates, estimateStep } from "./cost-model.ts";
import type { StepEstimate } from "./cost-model.ts";
import { COMPACTION_ATTACHED_FILES, COMPACTION_PROMPT_TOKENS, FRESH_SESSION_TOKENS, SHARED_PREFIX_TOKENS, TTL_MS, UPDATE_TAIL_TOKENS } from "./engine-model.ts";
import { coldUpdateShape, correctionFactor, fileTokens, metadataShape, metadataTailTokens, updateShape } from "./profile.ts";
import type { ShapeContext } from "./profile.ts";
import type { RequestClass } from "./request-kind.ts";
import type { PathOption, PrefixState, ProjectProfile, Work } from "./types.ts";

/** Everything a prediction depends on besides the learned profile (stored with the plan, so learning can predict the same job again). */
export interface JobFacts {
  now: number;
  /** The head's prefix in the cache; null when the project has no session. */
  prefix: PrefixState | null;
  /** The labelled request the runner sends. */
  requestTokens: number;
  /** The handoff a new session would get (0: none). */
  handoffTokens: number;
  /** The metadata prompt, as the runner will build it. */
  metadataPromptTokens: number;
  documentationTokens: number;
  filesPerUpdate: number;
  /** Some step of the project ran within 5 minutes: the tools + system prefix is still cached. */
  sharedPrefixWarm: boolean;
  /** The model's minimum cacheable prefix (src/models/table.ts): shorter prompts are never cached. */
  cacheFloorTokens: number;
  /** What the request's text says it asks for (request-kind.ts); absent in plans stored before kinds existed. */
  request?: RequestClass;
  /** METADATA_STEP; absent (plans stored before): legacy, as those were predicted. */
  metadataStep?: "lean" | "legacy";
  /**
   * METADATA_MODEL when it is not the update's model: the step is priced with its prices and
   * finds nothing of the update's session in the cache (caches are per model). Absent: the same model.
   */
  metadataModel?: { prices: ModelPrices; minCacheableTokens: number };
}

/**
 * Files the update is expected to touch: the ones its request names when it names them (a
 * new session reads each; the metadata step describes each), else the project's mean.
 */
export function expectedFiles(f: JobFacts): number {
  return f.request?.targets ?? f.filesPerUpdate;
}

/** The shape context of this job's steps. */
export function shapeContext(f: JobFacts): ShapeContext {
  return { filesPerUpdate: expectedFiles(f), documentationTokens: f.documentationTokens };
}

export interface JobEstimate extends StepEstimate {
  /** Prompt tokens the main step starts from. */
  mainStartTokens: number;
  /** Tokens the metadata step writes (what a 1-hour TTL makes dearer). */
  metadataWriteTokens: number;
  /** The head's context after the job (prompt of the metadata step's last call). */
  endContextTokens: number;
}

/** True while the prefix is still in the cache (its TTL since it was last written or read). */
export function prefixWarm(prefix: PrefixState | null, now: number): boolean {
  return prefix !== null && prefix.primed && now - prefix.usedAt < TTL_MS[prefix.ttl];
}

interface MainStart {
  steps: StepEstimate[];
  cached: number;
  written: number;
  shape: Work;
}

/** The update step's shape in a session with the history and in one without. */
interface Shapes {
  resumed: Work;
  new: Work;
}

/**
 * Where the update step starts and what it does: the request's own work (the same whichever
 * option runs it) plus the option's overhead: the context it carries, what the cache holds
 * of it, what it writes, and for a session without the history, finding its way.
 */
function mainStart(option: PathOption, f: JobFacts, profile: ProjectProfile, prices: ModelPrices, shapes: Shapes): MainStart {
  const cold = shapes.new;
  const work = shapes.resumed;
  // The tools + system prefix is its own cache entry only when it reaches the model's floor.
  const sharedCacheable = SHARED_PREFIX_TOKENS >= f.cacheFloorTokens;
  const shared = f.sharedPrefixWarm && sharedCacheable ? SHARED_PREFIX_TOKENS : 0;
  const head = f.prefix;
  switch (option) {
    case "resume": {
      if (head === null) return mainStart("fresh", f, profile, prices, shapes);
      // A resume sends the whole history again: read while cached, written again once expired.
      if (!head.primed) {
        return { steps: [], cached: shared, written: head.contextTokens - shared + f.requestTokens, shape: cold };
      }
      const warm = prefixWarm(head, f.now);
      return { steps: [], cached: warm ? head.contextTokens : 0, written: (warm ? 0 : head.contextTokens) + head.tailTokens + f.requestTokens, shape: work };
    }
    case "compact_resume": {
      if (head === null) return mainStart("fresh", f, profile, prices, shapes);
      const warm = prefixWarm(head, f.now);
      const summary = profile.compactionRatio.value * (head.contextTokens + head.tailTokens);
      const compaction = estimateStep(prices, {
        cached: warm ? head.contextTokens : 0,
        written: (warm ? 0 : head.contextTokens) + head.tailTokens,
        uncached: COMPACTION_PROMPT_TOKENS,
        calls: 1,
        growth: 0,
        output: summary,
        ttl: "5m",
        floorTokens: f.cacheFloorTokens,
      });
      // The compacted session starts over: the summary and the re-attached files are new to the cache.
      const compacted = FRESH_SESSION_TOKENS + summary + COMPACTION_ATTACHED_FILES * fileTokens(profile);
      // The compaction just read the shared prefix, so it is warm (when cacheable at all).
      const cached = sharedCacheable ? SHARED_PREFIX_TOKENS : 0;
      return { steps: [compaction], cached, written: compacted - cached + f.requestTokens, shape: cold };
    }
    case "handoff":
    case "fresh": {
      const handoff = option === "handoff" ? f.handoffTokens : 0;
      return { steps: [], cached: shared, written: FRESH_SESSION_TOKENS - shared + handoff + f.requestTokens, shape: cold };
    }
  }
}

/**
 * The structural estimate, before the per-project correction. `work` is the request's own
 * work (default: what the project's recent updates of its kind did, profile.ts updateShape;
 * learning passes a job's observed one).
 */
export function estimateJob(option: PathOption, f: JobFacts, profile: ProjectProfile, prices: ModelPrices, metadataTtl: CacheTtl, work?: Work): JobEstimate {
  const ctx = shapeContext(f);
  const request = f.request ?? null;
  const shapes: Shapes = work === undefined
    ? { resumed: updateShape(profile, request, "resumed", ctx), new: updateShape(profile, request, "new", ctx) }
    : { resumed: work, new: coldUpdateShape(work, profile, ctx) };
  const start = mainStart(option, f, profile, prices, shapes);
  const main = estimateStep(prices, { cached: start.cached, written: start.written, calls: start.shape.calls, growth: start.shape.growth, output: start.shape.output, ttl: "5m", floorTokens: f.cacheFloorTokens });
  const mainStartTokens = start.cached + start.written;
  const mainEnd = mainStartTokens + start.shape.growth;
  // The metadata step resumes (legacy) or forks (lean) the main step's session seconds later:
  // its prefix is warm, unless the step runs on another model, whose cache holds none of it.
  const lean = f.metadataStep === "lean";
  const meta = metadataShape(profile, shapeContext(f), lean);
  const metadataWritten = UPDATE_TAIL_TOKENS + f.metadataPromptTokens;
  const other = f.metadataModel;
  const metadata = estimateStep(other?.prices ?? prices, {
    cached: other === undefined ? mainEnd : 0,
    written: (other === undefined ? 0 : mainEnd) + metadataWritten,
    calls: meta.calls,
    growth: meta.growth,
    output: meta.output,
    ttl: metadataTtl,
    floorTokens: other?.minCacheableTokens ?? f.cacheFloorTokens,
  });
  return {
    ...addEstimates([...start.steps, main, metadata]),
    mainStartTokens,
    metadataWriteTokens: metadataWritten + meta.growth,
    // A lean step is a fork that never becomes the head: the head stays the update's session.
    endContextTokens: lean ? mainEnd : mainEnd + metadataWritten + meta.growth,
  };
}

/** The prediction: the structural estimate times what this project taught about the option. */
export function predictJob(option: PathOption, f: JobFacts, profile: ProjectProfile, prices: ModelPrices, metadataTtl: CacheTtl): JobEstimate {
  const e = estimateJob(option, f, profile, prices, metadataTtl);
  return { ...e, costUsd: e.costUsd * correctionFactor(profile, option, "cost"), durationMs: e.durationMs * correctionFactor(profile, option, "time") };
}

/** The head's prefix as the job leaves it (for the TTL choice: what the next update finds). */
export function prefixAfter(e: JobEstimate, profile: ProjectProfile, f: JobFacts, at: number, ttl: CacheTtl): PrefixState {
  const tail = f.metadataStep === "lean" ? UPDATE_TAIL_TOKENS : metadataTailTokens(profile, f.documentationTokens);
  return { sessionId: "next", contextTokens: e.endContextTokens, tailTokens: tail, usedAt: at, ttl, primed: true };
}
