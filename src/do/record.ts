import { cacheNote } from "../domain/cache-words.ts";
import type { Usage } from "../domain/views.ts";
import { addUsage, isoOrNull } from "../domain/views.ts";
import type { Operation, ResultEvent } from "../runner/protocol.ts";
import { contextTokens } from "./compaction.ts";
import type { JobContext } from "./context.ts";
import { audit, emit, progressed } from "./context.ts";
import { repairNote } from "./transcript-fallback.ts";

export function usageOf(result: ResultEvent): Usage {
  return {
    inputTokens: result.usage.inputTokens,
    outputTokens: result.usage.outputTokens,
    cacheCreationInputTokens: result.usage.cacheCreationInputTokens,
    cacheReadInputTokens: result.usage.cacheReadInputTokens,
    costUsd: result.costUsd,
    durationMs: result.durationMs,
  };
}

// After EVERY step the id the runner returned becomes the head: first in DO storage
// (fenced by the generation read before the call), then in Postgres via the outbox.
export async function recordStep(
  ctx: JobContext,
  operation: Operation,
  sessionIn: string | null,
  result: ResultEvent,
  generation: number,
): Promise<void> {
  const before = ctx.chain.get().headSessionId;
  const now = ctx.now();
  ctx.chain.setHead(generation, {
    sessionId: result.sessionId,
    parentSessionId: sessionIn,
    versionNumber: ctx.job.versionNumber,
    operation,
    fingerprint: result.fingerprint,
  }, now);
  // In the same synchronous block as the head: the run is consumed and the workspace is
  // the chain's tree again, so no later invocation follows or records this run twice.
  ctx.runs.clear(ctx.job.id);
  ctx.workspace.markClean();
  progressed(ctx);
  const totals = countStep(ctx, operation, result, result.sessionId);
  ctx.job.contextTokens = contextTokens(result);
  ctx.jobs.setContextTokens(ctx.job.id, ctx.job.contextTokens);
  const chain = ctx.chain.get();
  ctx.outbox.push({
    op: "update_version",
    id: ctx.job.versionId,
    patch: {
      aiSessionId: result.sessionId,
      aiSessionCreatedAt: isoOrNull(chain.headCreatedAt),
      aiSessionLastUsedAt: isoOrNull(now),
      ...totals,
      ...(operation === "build" || operation === "update" ? { cacheNote: cacheNote(result.cache) } : {}),
      ...(result.metadata !== null ? { recommendations: result.metadata.recommendations, documentation: result.metadata.documentation, documentationFromVersion: ctx.job.versionNumber } : {}),
    },
  });
  pushMetric(ctx, operation, sessionIn, result);
  if (sessionIn !== null) {
    const forked = result.sessionId !== sessionIn;
    audit(ctx, {
      requestedSessionId: sessionIn,
      returnedSessionId: result.sessionId,
      outcome: forked ? "forked" : "resumed",
      reason: (forked ? `${operation}: resumed into a new session id (fork)` : `${operation}: resumed the same session`) + repairNote(result),
      errorText: null,
    });
  }
  if (before !== result.sessionId) {
    emit(ctx, "session_changed", { step: operation, from: before, to: result.sessionId, relation: sessionIn === null ? "new" : result.sessionId === sessionIn ? "resumed" : "forked" });
  }
  emit(ctx, "step_finished", { step: operation, sessionId: result.sessionId, usage: usageOf(result), numTurns: result.numTurns, toolCalls: result.toolCalls, filesRead: result.filesRead, ...cacheFields(result) });
  await ctx.flush();
}

/** The step's usage joins the job's totals and the step counts as done; returns the new totals. */
function countStep(ctx: JobContext, operation: Operation, result: ResultEvent, sessionOut: string | null): Usage {
  const totals = addUsage(ctx.job.totals, usageOf(result));
  ctx.job.totals = totals;
  ctx.job.doneSteps.push(operation);
  ctx.jobs.recordStep(ctx.job.id, operation, sessionOut, totals);
  return totals;
}

function pushMetric(ctx: JobContext, operation: Operation, sessionIn: string | null, result: ResultEvent): void {
  const chain = ctx.chain.get();
  ctx.outbox.push({
    op: "insert_metric",
    key: crypto.randomUUID(),
    row: {
      projectId: ctx.projectId,
      versionId: ctx.job.versionId,
      operation,
      sessionIdIn: sessionIn,
      sessionIdOut: result.sessionId,
      ...usageOf(result),
      numTurns: result.numTurns,
      toolCalls: result.toolCalls,
      filesRead: result.filesRead,
      refusedToolCalls: result.refusedToolCalls,
      isResumable: chain.resumable,
      resumeFailureCount: chain.failureCount,
      cache: result.cache ?? null,
    },
  });
}

/**
 * A step run off the chain (the lean metadata step): a fork of the head that never becomes
 * it. Its cost counts and its metric row names the fork, but the head, the version's session
 * and the job's context size stay the update step's, so the next update resumes the user's
 * work. Its transcript is not kept: nothing will ever resume it.
 */
export async function recordOffChain(ctx: JobContext, operation: Operation, sessionIn: string, result: ResultEvent): Promise<void> {
  ctx.runs.clear(ctx.job.id);
  ctx.workspace.markClean();
  progressed(ctx);
  const totals = countStep(ctx, operation, result, null);
  ctx.outbox.push({ op: "update_version", id: ctx.job.versionId, patch: { ...totals } });
  pushMetric(ctx, operation, sessionIn, result);
  audit(ctx, { requestedSessionId: sessionIn, returnedSessionId: result.sessionId, outcome: "forked", reason: `${operation}: forked off the chain; the head stays ${sessionIn}` + repairNote(result), errorText: null });
  emit(ctx, "step_finished", { step: operation, sessionId: result.sessionId, offChain: true, usage: usageOf(result), numTurns: result.numTurns, toolCalls: result.toolCalls, filesRead: result.filesRead, ...cacheFields(result) });
  await ctx.flush();
}

/** The step's prompt-cache record and its words, for step_finished. */
function cacheFields(result: ResultEvent): { cache: ResultEvent["cache"] | null; cacheNote: string | null } {
  return { cache: result.cache ?? null, cacheNote: cacheNote(result.cache) };
}
