// One protocol operation end to end: check the session to resume, run the engine, classify
// the outcome, and build the final event (usage, metadata, workspace fingerprint).
import { mkdir } from "node:fs/promises";
import { classifyOutcome } from "./classify.ts";
import type { RunnerConfig } from "./config.ts";
import { engineEnv } from "./config.ts";
import { runEngine } from "./engine.ts";
import type { EngineRun } from "./engine.ts";
import { RunFailure } from "./errors.ts";
import { hashFiles, listWorkspaceFiles, loadBaseline, saveBaseline, toFingerprint } from "./fingerprint.ts";
import { loadMemory, memoryFile, saveMemory } from "./model-proxy/cache/memory.ts";
import { CacheWatch } from "./model-proxy/cache/watch.ts";
import { usageMismatch } from "./model-proxy/reconcile.ts";
import type { ModelProxy, RunTraffic } from "./model-proxy/server.ts";
import type { ProjectPaths } from "./paths.ts";
import { buildPrompt, parseMetadata } from "./prompts.ts";
import { factsOf } from "./file-facts.ts";
import { parseMetadataPatch } from "./lean-metadata.ts";
import type { FinalEvent, RunEvent, RunRequest } from "./protocol.ts";
import { prepareResume } from "./transcript-check/prepare.ts";
import { ZERO_COST_STATE } from "./transcripts.ts";
import type { CostState } from "./transcripts.ts";
import { runUsage } from "./usage.ts";
import { writeVersionLog } from "./version-log.ts";

export interface OperationContext {
  config: RunnerConfig;
  paths: ProjectPaths;
  modelProxy: ModelProxy;
  emit: (event: RunEvent) => void;
  signal: AbortSignal;
  log: (line: string) => void;
}

export async function runOperation(req: RunRequest, ctx: OperationContext): Promise<FinalEvent> {
  try {
    return await runChecked(req, ctx);
  } catch (err) {
    if (err instanceof RunFailure) return err.toEvent();
    ctx.log(`run ${req.runId} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { type: "error", code: "internal", message: "internal runner error", retryable: false, sessionId: null };
  }
}

async function runChecked(req: RunRequest, ctx: OperationContext): Promise<FinalEvent> {
  const { paths, config } = ctx;
  await mkdir(paths.workspace, { recursive: true });
  await mkdir(paths.claudeConfig, { recursive: true });
  // Before the engine starts, so its first Read finds it; a run without one must not find a stale one.
  await writeVersionLog(paths.workspace, req.versionLog);

  // Check the transcript ourselves first (container/src/transcript-check/): the engine
  // answers "No conversation found" for a file it cannot parse, silently resumes a file
  // whose lines belong to another session, and sends the model whatever chain it finds.
  const target = req.resumeSessionId === null ? null : await prepareResume(paths, req.resumeSessionId, req.forkSession);
  if (target?.repair != null) ctx.emit({ type: "transcript_repaired", ...target.repair });
  const transcriptExisted = target?.transcriptExisted ?? false;
  const baseline: CostState = target?.baseline ?? ZERO_COST_STATE;

  const started = Date.now();
  let stderrTail = "";
  const timeout = AbortSignal.timeout(config.runTimeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  // The engine's key to the model API lives exactly as long as this run (the deadline only
  // matters if the end were never reached).
  // Runs of one workspace never overlap (its lock), so its cache memory has one writer.
  const cacheFile = memoryFile(paths.root);
  const memory = await loadMemory(cacheFile, ctx.log);
  const watch = new CacheWatch(memory, { runId: req.runId, sessionIn: req.resumeSessionId, floors: req.cacheFloors });
  const model = ctx.modelProxy.openRun(req.runId, config.runTimeoutMs + 60_000, watch);
  let run: EngineRun;
  let traffic: RunTraffic;
  try {
    run = await runEngine({
      prompt: buildPrompt(req),
      cwd: paths.workspace,
      resume: target?.sessionId ?? null,
      forkSession: target?.forkSession ?? req.forkSession,
      model: req.model,
      env: engineEnv(config, paths, model, req.cacheTtl),
      maxTurns: config.maxTurns,
      signal,
      onEvent: ctx.emit,
      onStderr: (chunk) => {
        stderrTail = (stderrTail + chunk).slice(-4000);
      },
    });
  } finally {
    traffic = ctx.modelProxy.closeRun(model);
  }
  const durationMs = Date.now() - started;
  const cache = watch.finish(run.result?.session_id ?? run.lastSessionId);
  await saveMemory(cacheFile, memory, Date.now()).catch((err: unknown) => ctx.log(`run ${req.runId}: cache memory not saved: ${err instanceof Error ? err.message : String(err)}`));
  if (run.engineVersion !== null) config.engineVersion = run.engineVersion;

  const result = run.result;
  const failure = classifyOutcome({
    operation: req.operation,
    resumeSessionId: req.resumeSessionId,
    transcriptExisted,
    sawInit: run.sawInit,
    lastSessionId: run.lastSessionId,
    result:
      result === null
        ? null
        : {
            subtype: result.subtype,
            isError: result.is_error,
            text: result.subtype === "success" ? result.result : "",
            errors: result.subtype === "success" ? [] : result.errors,
            apiErrorStatus: result.subtype === "success" ? (result.api_error_status ?? null) : null,
            numTurns: result.num_turns,
            sessionId: result.session_id,
          },
    assistantErrors: run.assistantErrors,
    thrown: run.thrown,
    abortReason: timeout.aborted ? "the run timed out" : ctx.signal.aborted ? "the run was cancelled" : null,
  });
  if (failure !== null) {
    if (failure.code === "internal") ctx.log(`run ${req.runId}: ${failure.message}; engine stderr: ${stderrTail.trim() || "(none)"}`);
    return { ...failure.toEvent(), refusedToolCalls: run.refusedToolCalls };
  }
  if (result === null || result.subtype !== "success") {
    // classifyOutcome only lets successful results through; this narrows the type.
    throw new RunFailure("internal", "the engine ended without a result");
  }

  const files = await listWorkspaceFiles(paths.workspace);
  const current = hashFiles(files);
  const fingerprint = toFingerprint(current, await loadBaseline(paths.baselineFile));
  // Only a successful run moves the baseline: a retry after a failure then reports the
  // changes of the version as a whole.
  await saveBaseline(paths.baselineFile, current);

  const { usage, totalCostUsd, costUsd } = runUsage(baseline, {
    totalCostUsd: result.total_cost_usd,
    modelUsage: result.modelUsage,
    usage: result.usage,
  });
  const mismatch = usageMismatch(traffic, usage);
  ctx.log(
    `run ${req.runId}: ${traffic.requests} model requests through the proxy; ` +
      (mismatch === null ? "usage matches the engine's" : `usage MISMATCH with the engine's: ${mismatch}`),
  );
  return {
    type: "result",
    sessionId: result.session_id,
    usage,
    totalCostUsd,
    costUsd,
    durationMs,
    numTurns: result.num_turns,
    contextTokens: run.contextTokens,
    workspaceBytes: files.reduce((sum, f) => sum + f.content.length, 0),
    toolCalls: run.toolCalls,
    filesRead: run.filesRead,
    refusedToolCalls: run.refusedToolCalls,
    text: result.result,
    metadata: req.operation === "metadata" && req.documentationPatch === null ? parseMetadata(result.result) : null,
    ...(req.operation === "metadata" && req.documentationPatch !== null
      ? { metadataPatch: parseMetadataPatch(result.result, req.documentationPatch), fileFacts: files.map(factsOf) }
      : {}),
    fingerprint,
    cache,
    ...(target?.repair != null ? { transcriptRepair: target.repair } : {}),
  };
}
