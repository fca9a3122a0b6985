// The resume policy inside a job: gathers what the Durable Object knows (the head's prefix in
// the prompt cache, the project's memory and learned profile, its pauses), plans the job
// (src/policy/plan.ts), and after each step keeps the cache state and what the step cost so
// that the project's own jobs correct the model (src/policy/learn.ts).
import { buildPrompt, versionLabel } from "../../container/src/prompts.ts";
import { buildHandoff } from "../policy/handoff.ts";
import type { HandoffRequest } from "../policy/handoff.ts";
import { COMPACTION_ATTACHED_FILES, DEFAULT_FILES_PER_UPDATE, FRESH_SESSION_TOKENS, TTL_MS, tokensOf } from "../policy/engine-model.ts";
import { learn } from "../policy/learn.ts";
import type { StepObservation } from "../policy/learn.ts";
import type { JobFacts } from "../policy/predict.ts";
import { estimateJob, prefixWarm } from "../policy/predict.ts";
import { checkWarmth, prefixHolds } from "../policy/cache-evidence.ts";
import { planJob } from "../policy/plan.ts";
import { freshWeightFor } from "../policy/fresh-weight.ts";
import { classifyRequest } from "../policy/request-kind.ts";
import { findModel } from "../models/table.ts";
import { fileTokens, metadataTailTokens } from "../policy/profile.ts";
import { chooseTtl } from "../policy/ttl.ts";
import type { CacheTtl, PolicyPlan, PrefixState, SessionPolicy } from "../policy/types.ts";
import type { VersionPatch } from "../db/repo/writes.ts";
import type { Operation, ResultEvent } from "../runner/protocol.ts";
import { contextTokens } from "./compaction.ts";
import type { JobContext } from "./context.ts";
import { emit } from "./context.ts";
import type { Decision } from "./decision.ts";
import { resumeFlagOn } from "./decision.ts";
import { metadataContext } from "./project-memory.ts";

/** The project's own SESSION_POLICY (PATCH /v1/projects/:id) or the deployment's. */
export function effectiveMode(ctx: JobContext, projectPolicy: SessionPolicy | null): SessionPolicy {
  return projectPolicy ?? ctx.policyConfig.mode;
}

/** Under economic, the compaction threshold caps what is resumed as is (the compaction happens when the next update needs it). */
function resumeCap(ctx: JobContext, mode: SessionPolicy): number | null {
  return mode === "economic" && ctx.config.compactionPolicy === "threshold" ? ctx.config.compactionThresholdTokens : null;
}

/** Under economic with the threshold policy, compaction is not done at the end of a job: the next one decides. */
export function compactsAtJobEnd(ctx: JobContext, mode: SessionPolicy): boolean {
  return !(mode === "economic" && ctx.config.compactionPolicy === "threshold");
}

/** What a new session of this job is told about the project (src/policy/handoff.ts); also the fallback of an unusable transcript. */
export function handoffFor(ctx: JobContext): string | null {
  const memory = ctx.memory.get();
  const requests: HandoffRequest[] = ctx.memory
    .recentUpdates()
    .filter((u) => u.versionNumber < ctx.job.versionNumber)
    .map((u) => ({ versionNumber: u.versionNumber, prompt: u.prompt, changedPaths: u.changedPaths, outcome: u.outcome }));
  return buildHandoff({
    documentation: memory.documentation,
    documentedVersion: memory.documentedVersion,
    recommendations: memory.recommendations,
    requests,
    budgetTokens: ctx.policyConfig.handoffMaxTokens,
  });
}

/** Mean paths an update changed, over the project's recent successful updates. */
function filesPerUpdate(ctx: JobContext): number {
  const counts = ctx.memory
    .recentUpdates()
    .filter((u) => u.kind === "update" && u.outcome === "succeeded" && u.changedPaths !== null)
    .map((u) => u.changedPaths?.length ?? 0);
  return counts.length === 0 ? DEFAULT_FILES_PER_UPDATE : counts.reduce((a, b) => a + b, 0) / counts.length;
}

/**
 * The head's prefix. A head recorded before the policy existed has no state: it is taken as
 * cold and as large as the compaction threshold, an upper bound the next step replaces.
 */
function headPrefix(ctx: JobContext): PrefixState | null {
  const chain = ctx.chain.get();
  if (chain.headSessionId === null) return null;
  const known = ctx.policy.prefix();
  if (known !== null && known.sessionId === chain.headSessionId) return known;
  const usedAt = chain.headLastUsedAt ?? chain.headCreatedAt ?? 0;
  return { sessionId: chain.headSessionId, contextTokens: ctx.config.compactionThresholdTokens, tailTokens: 0, usedAt, ttl: "5m", primed: true };
}

/** A documented path's sentence, as the lean step is asked to keep it: about 30 words (the simulator's cap). */
const TYPICAL_ENTRY = "Part of the project that the update changed; one sentence of about thirty words on what the file is for, kept from the previous documentation when still true.";

/** The metadata prompt as the runner will build it for the step METADATA_STEP runs. */
function metadataPromptTokens(ctx: JobContext, assumedChangedPaths: number): number {
  const documentation = ctx.memory.get().documentation;
  const changedPaths = Array.from({ length: Math.max(1, Math.round(assumedChangedPaths)) }, (_, i) => `src/changed-file-${i}.ts`);
  if (ctx.metadataConfig.step === "lean") {
    const documentationPatch = { changed: changedPaths.map((path) => ({ path, previousEntry: documentation === null ? null : TYPICAL_ENTRY })), removed: [] };
    return tokensOf(buildPrompt({ operation: "metadata", prompt: "", versionNumber: undefined, metadataContext: null, documentationPatch }));
  }
  return tokensOf(buildPrompt({ operation: "metadata", prompt: "", versionNumber: undefined, metadataContext: { previousDocumentation: documentation, changedPaths } }));
}

/** METADATA_MODEL when it differs from the model the predictions price (src/models/table.ts, the one price table). */
function metadataModel(ctx: JobContext): JobFacts["metadataModel"] {
  const id = ctx.metadataConfig.model;
  const spec = id === null ? null : findModel(id);
  if (spec === null || spec.id === ctx.policyConfig.model.id) return undefined;
  return { prices: spec.prices, minCacheableTokens: spec.minCacheableTokens };
}

function jobFacts(ctx: JobContext, handoff: string | null): JobFacts {
  const now = ctx.now();
  const perUpdate = filesPerUpdate(ctx);
  const lastStep = ctx.policy.lastStepAt();
  const request = classifyRequest(ctx.job.prompt);
  const base = {
    now,
    prefix: headPrefix(ctx),
    requestTokens: tokensOf(`${versionLabel(ctx.job.versionNumber)}\n${ctx.job.prompt}`),
    handoffTokens: handoff === null ? 0 : tokensOf(handoff),
    metadataPromptTokens: metadataPromptTokens(ctx, request.targets ?? perUpdate),
    documentationTokens: tokensOf(ctx.memory.get().documentation ?? ""),
    filesPerUpdate: perUpdate,
    sharedPrefixWarm: lastStep !== null && now - lastStep < TTL_MS["5m"],
    cacheFloorTokens: ctx.policyConfig.model.minCacheableTokens,
    request,
    metadataStep: ctx.metadataConfig.step,
  };
  const other = metadataModel(ctx);
  return other === undefined ? base : { ...base, metadataModel: other };
}

/** Plans the job's start from the seed rules' verdict; persisted before anything acts on it. */
export function planSession(ctx: JobContext, seed: Decision, mode: SessionPolicy): PolicyPlan {
  const handoff = handoffFor(ctx);
  const facts = jobFacts(ctx, handoff);
  if (facts.prefix !== null && ctx.job.kind === "update") ctx.policy.addGap(facts.now - facts.prefix.usedAt);
  const plan = planJob({
    mode,
    seed,
    facts,
    profile: ctx.policy.profile(),
    prices: ctx.policyConfig.model.prices,
    handoff,
    freshWeight: freshWeightFor(facts.request?.kind ?? "context", ctx.policyConfig),
    resumeCapTokens: resumeCap(ctx, mode),
  });
  ctx.policy.savePlan(ctx.job.id, plan, facts);
  return plan;
}

/** The version's policy columns at the decision: the choice, and for an update every option's prediction. */
export function planColumns(ctx: JobContext, plan: PolicyPlan): VersionPatch {
  if (ctx.job.kind !== "update") return { policyChoice: plan.option };
  const chosen = plan.predictions.find((p) => p.option === plan.option);
  return {
    policyChoice: plan.option,
    policyPredictions: plan.predictions.map((p) => ({ ...p, costUsd: Math.round(p.costUsd * 1e6) / 1e6, durationMs: Math.round(p.durationMs) })),
    predictedCostUsd: chosen === undefined ? null : Math.round(chosen.costUsd * 1e6) / 1e6,
    predictedDurationMs: chosen === undefined ? null : Math.round(chosen.durationMs),
  };
}

function observation(result: ResultEvent): StepObservation {
  return {
    inputTokens: result.usage.inputTokens,
    cacheWriteTokens: result.usage.cacheCreationInputTokens,
    cacheReadTokens: result.usage.cacheReadInputTokens,
    outputTokens: result.usage.outputTokens,
    contextTokens: result.contextTokens ?? null,
    textTokens: tokensOf(result.text),
    costUsd: result.costUsd,
    durationMs: result.durationMs,
  };
}

/**
 * After every successful step: the prefix the next resume of the new head will send (and
 * whether the cache holds it), and the step's usage for the job's plan.
 */
export function noteStep(ctx: JobContext, operation: Operation, sessionIn: string | null, result: ResultEvent, ttl: CacheTtl | null, offChain = false): void {
  const now = ctx.now();
  const known = ctx.policy.prefix();
  if (offChain) {
    // A fork off the head read the head's prefix from the cache, which refreshes its entry;
    // the head itself (what the next update resumes) did not grow.
    if (known !== null && known.sessionId === sessionIn && result.usage.cacheReadInputTokens > 0) ctx.policy.notePrefix({ ...known, usedAt: now });
  } else if (operation === "compact") {
    // The compacted session starts from its summary and the re-attached files; never sent yet.
    const context = FRESH_SESSION_TOKENS + result.usage.outputTokens + COMPACTION_ATTACHED_FILES * fileTokens(ctx.policy.profile());
    ctx.policy.notePrefix({ sessionId: result.sessionId, contextTokens: context, tailTokens: 0, usedAt: now, ttl: "5m", primed: false });
  } else {
    // A step whose resumed history was written again because the prefix changed: the next
    // resume is not predicted to find this one cached either (cache-evidence.ts).
    ctx.policy.notePrefix({ sessionId: result.sessionId, contextTokens: contextTokens(result), tailTokens: tokensOf(result.text), usedAt: now, ttl: ttl ?? "5m", primed: prefixHolds(result.cache) });
  }
  const job = ctx.policy.job(ctx.job.id);
  if (job === null) return;
  const check = operation === "update" ? checkWarmth(prefixWarm(job.facts.prefix, job.facts.now), sessionIn !== null, result.cache) : null;
  if (check !== null) emit(ctx, "cache_check", { ...check });
  const mainDone = ctx.job.doneSteps.includes(ctx.job.kind === "create" ? "build" : "update");
  if (operation === "build" || operation === "update") {
    if ((job.plan.option === "resume" || job.plan.option === "compact_resume") && sessionIn === null) ctx.policy.markFellBack(ctx.job.id);
    ctx.policy.recordSteps(ctx.job.id, { main: observation(result), workspaceBytes: result.workspaceBytes ?? null, fileCount: result.fingerprint.fileCount });
  } else if (operation === "compact" && !mainDone) {
    ctx.policy.recordSteps(ctx.job.id, { compaction: observation(result) });
  } else if (operation === "metadata") {
    ctx.policy.recordSteps(ctx.job.id, { metadata: observation(result) });
  }
}

/** The metadata step made no model call (the update changed no file): it cost nothing, which the plan's actuals and learning see. */
export function noteSkippedMetadata(ctx: JobContext): void {
  if (ctx.policy.job(ctx.job.id) === null) return;
  ctx.policy.recordSteps(ctx.job.id, { metadata: { inputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, outputTokens: 0, contextTokens: null, textTokens: 0, costUsd: 0, durationMs: 0 } });
}

/**
 * The TTL of the job's last step (metadata), chosen just before it with the main step's
 * real context known: what the next update will find in the cache.
 */
export function lastStepTtl(ctx: JobContext, mode: SessionPolicy, resumeOverride: boolean | null, mainResult: ResultEvent | null): CacheTtl {
  const job = ctx.policy.job(ctx.job.id);
  if (job?.cacheTtl != null) return job.cacheTtl;
  const profile = ctx.policy.profile();
  const facts = job?.facts ?? jobFacts(ctx, null);
  const prompt = metadataPromptTokens(ctx, facts.request?.targets ?? facts.filesPerUpdate);
  const mainEnd = mainResult === null ? estimateJob("resume", facts, profile, ctx.policyConfig.model.prices, "5m").endContextTokens : contextTokens(mainResult);
  const mainTail = mainResult === null ? 0 : tokensOf(mainResult.text);
  const writes = mainTail + prompt + profile.metadata.growth;
  const now = ctx.now();
  const endPrefix: PrefixState = { sessionId: "next", contextTokens: mainEnd + writes, tailTokens: metadataTailTokens(profile, facts.documentationTokens), usedAt: now, ttl: "5m", primed: true };
  const handoff = handoffFor(ctx);
  const eager = ctx.config.compactionPolicy === "always" || (ctx.config.compactionPolicy === "threshold" && compactsAtJobEnd(ctx, mode) && endPrefix.contextTokens > ctx.config.compactionThresholdTokens);
  const choice = chooseTtl({
    mode,
    resumeOff: !resumeFlagOn(ctx.config, resumeOverride),
    compactionFollows: eager,
    endPrefix,
    lastStepWriteTokens: writes,
    nextFacts: { ...facts, handoffTokens: handoff === null ? 0 : tokensOf(handoff) },
    resumeCapTokens: resumeCap(ctx, mode),
    handoffNext: handoff !== null,
    freshWeight: ctx.policyConfig.freshWeight,
    profile,
    prices: ctx.policyConfig.model.prices,
    gaps: ctx.policy.gaps(),
  });
  ctx.policy.setCacheTtl(ctx.job.id, choice.ttl);
  ctx.outbox.push({ op: "update_version", id: ctx.job.versionId, patch: { cacheTtl: choice.ttl } });
  emit(ctx, "cache_ttl", {
    ttl: choice.ttl,
    nextWithinHourOdds: Math.round(choice.odds.within1h * 100) / 100,
    expectedSavingUsd: Math.round(choice.expectedSavingUsd * 1e6) / 1e6,
    extraCostUsd: Math.round(choice.extraCostUsd * 1e6) / 1e6,
  });
  return choice.ttl;
}

/** The chosen path could not run as planned (a compaction first failed): nothing to learn from it. */
export function planAbandoned(ctx: JobContext): void {
  ctx.policy.markFellBack(ctx.job.id);
}

/**
 * After a succeeded job: the cost of the steps its prediction covered (compaction first,
 * main, metadata) goes on the version, and an update that ran as planned teaches the model.
 */
export function settlePolicy(ctx: JobContext): void {
  const job = ctx.policy.job(ctx.job.id);
  if (job === null || job.fellBack) return;
  const { main, metadata, compaction } = job.steps;
  if (main === undefined || metadata === undefined) return;
  if (job.plan.option === "compact_resume" && compaction === undefined) return;
  const actualCostUsd = Math.round(((compaction?.costUsd ?? 0) + main.costUsd + metadata.costUsd) * 1e6) / 1e6;
  const actualDurationMs = Math.round((compaction?.durationMs ?? 0) + main.durationMs + metadata.durationMs);
  ctx.outbox.push({ op: "update_version", id: ctx.job.versionId, patch: { actualCostUsd, actualDurationMs } });
  if (ctx.job.kind !== "update") {
    // A build says how large the project is; its steps are not an update's to learn from.
    ctx.policy.saveProfile({ ...ctx.policy.profile(), workspaceBytes: job.steps.workspaceBytes ?? null, fileCount: job.steps.fileCount ?? 0 });
    return;
  }
  const profile = learn(
    ctx.policy.profile(),
    {
      option: job.plan.option,
      facts: job.facts,
      metadataTtl: job.cacheTtl ?? "5m",
      compaction: compaction ?? null,
      main,
      metadata,
      workspaceBytes: job.steps.workspaceBytes ?? null,
      fileCount: job.steps.fileCount ?? 0,
      changedPaths: ctx.memory.recentUpdates().find((u) => u.versionNumber === ctx.job.versionNumber)?.changedPaths?.length ?? null,
    },
    ctx.policyConfig.model.prices,
  );
  ctx.policy.saveProfile(profile);
}
