// One chain: one scenario in one mode, on a stack of its own (its own simulator clock and
// prompt cache, Durable Object, Postgres). The create, then every update after the user's
// pause, each measured through the public API (job, its event log, the ack's Server-Timing),
// the simulator's request log, the runner's workspace and the Postgres round-trip counter.
import { usageFromApi } from "../src/models/pricing.ts";
import { settle, withBenchStack } from "./bench-stack.ts";
import type { StepCheck } from "./calibration.ts";
import { checkSteps } from "./calibration.ts";
import { ApiClient } from "./client.ts";
import { pause } from "./clocks.ts";
import { jobSteps } from "./job-steps.ts";
import type { JobStep } from "./job-steps.ts";
import type { ModeSpec } from "./modes.ts";
import { judge } from "./quality.ts";
import type { LabelledRequest, Reference } from "./quality.ts";
import type { Scenario } from "./scenarios.ts";
import { timedFetch } from "./server-timing.ts";
import { clearLog, readLog } from "./sim-log.ts";
import type { ModelCall } from "./sim-log.ts";
import type { Pause } from "./think-time.ts";
import type { VersionPolicy } from "../src/domain/views.ts";
import type { ChainResult, StepRecord, Tokens, UpdatePolicy, UpdateRecord } from "./types.ts";
import type { Workload } from "./workload.ts";
import { readWorkspace } from "./workspace.ts";

/** A 200-file create streams about 1 MB of file content: give it time on a loaded machine. */
const JOB_TIMEOUT_MS = 45 * 60_000;
/**
 * The runner's turn limit (default 30) raised for the benchmark: the 200-file create is one
 * request that writes 4 files per model response, 50 responses in all.
 */
const RUNNER_ENV = { RUNNER_MAX_TURNS: "100" };

export interface ChainSpec {
  scenario: Scenario;
  mode: ModeSpec;
  workload: Workload;
  pauses: readonly Pause[];
  latencyScale: number;
  /** Worker vars every mode shares (compaction, the dev clock); the mode's own vars win. */
  commonVars: Record<string, string>;
  reference: Reference | null;
}

const wall = (startedAt: string | null, finishedAt: string | null): number =>
  startedAt === null || finishedAt === null ? 0 : Date.parse(finishedAt) - Date.parse(startedAt);

function stepRecords(steps: readonly JobStep[], calls: readonly ModelCall[]): StepRecord[] {
  return steps.map((s) => {
    const mine = calls.filter((c) => c.sessionId === s.sessionId);
    const last = mine.at(-1)?.usage;
    const u = last == null ? null : usageFromApi(last);
    const contextTokens = u === null ? null : u.inputTokens + u.cacheReadTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens;
    return { step: s.step, costUsd: s.costUsd, requests: mine.length, modelMs: mine.reduce((t, c) => t + c.durationMs, 0), contextTokens, toolCalls: s.toolCalls, filesRead: s.filesRead };
  });
}

/** The option the resume policy took, from the job's `decision` event. */
function chosenOption(events: readonly { type: string; data: unknown }[]): string | null {
  const data = events.find((e) => e.type === "decision")?.data;
  return typeof data === "object" && data !== null && "option" in data && typeof data.option === "string" ? data.option : null;
}

function updatePolicy(p: VersionPolicy | null): UpdatePolicy | null {
  if (p === null) return null;
  return {
    choice: p.choice,
    predictions: p.predictions.map((o) => ({ option: o.option, allowed: o.allowed, costUsd: o.costUsd })),
    predictedCostUsd: p.predictedCostUsd,
    actualCostUsd: p.actualCostUsd,
    cacheTtl: p.cacheTtl,
  };
}

const tokensOf = (steps: readonly JobStep[]): Tokens => ({
  input: steps.reduce((t, s) => t + s.inputTokens, 0),
  cacheWrite: steps.reduce((t, s) => t + s.cacheWriteTokens, 0),
  cacheRead: steps.reduce((t, s) => t + s.cacheReadTokens, 0),
  output: steps.reduce((t, s) => t + s.outputTokens, 0),
});

export async function runChain(spec: ChainSpec, checks: StepCheck[], log: (line: string) => void): Promise<ChainResult> {
  const { scenario, mode, workload } = spec;
  const label = `${scenario.name}/${mode.name}`;
  const vars = { ...spec.commonVars, ...mode.vars };
  const started = Date.now();
  return withBenchStack({ vars, latencyScale: spec.latencyScale, seed: scenario.seed, runnerEnv: RUNNER_ENV }, async ({ stack, db }) => {
    const sim = stack.simulatorUrl;
    if (sim === null) throw new Error("the benchmark needs the model simulator");
    const clocks = { simulatorUrl: sim, workerUrl: stack.url, adminToken: stack.adminToken };
    const api = await ApiClient.create(stack.url, stack.authSecret, `bench-${mode.name}`);

    await clearLog(sim);
    const created = await api.createProject(label, workload.createPrompt);
    const projectId = created.project.id;
    const createJob = await api.finished(projectId, created.job.id, JOB_TIMEOUT_MS, 250);
    if (createJob.status !== "succeeded") throw new Error(`${label}: the create failed: ${JSON.stringify(createJob.error)}`);
    const createSteps = jobSteps(await api.jobEvents(projectId, createJob.id));
    const createCalls = await readLog(sim);
    checks.push(...checkSteps(label, 1, createSteps, createCalls));
    let files = await readWorkspace(stack.runnerUrl, projectId);
    log(`${label}: created ${Object.keys(files).length} files in ${(wall(createJob.startedAt, createJob.finishedAt) / 1000).toFixed(1)} s, $${createJob.totals.costUsd.toFixed(3)}`);
    const history: LabelledRequest[] = [{ versionNumber: 1, prompt: workload.createPrompt }];

    const updates: UpdateRecord[] = [];
    for (const [i, update] of workload.updates.entries()) {
      const thinkTime = spec.pauses[i] ?? { ms: 0, band: "none" };
      await pause(clocks, projectId, thinkTime.ms);
      await settle(db);
      await clearLog(sim);
      const before = db.roundTrips();
      const ack = await timedFetch(`${stack.url}/v1/projects/${projectId}/updates`, { method: "POST", headers: api.headers(), body: JSON.stringify({ prompt: update.prompt }) });
      if (ack.status !== 202) throw new Error(`${label}: update ${update.n} → ${ack.status} ${ack.body.slice(0, 300)}`);
      const jobId = (JSON.parse(ack.body) as { job: { id: string } }).job.id;
      const job = await api.finished(projectId, jobId, JOB_TIMEOUT_MS, 200);
      await settle(db);
      const after = db.roundTrips();
      const events = await api.jobEvents(projectId, jobId);
      const steps = jobSteps(events);
      const calls = await readLog(sim);
      checks.push(...checkSteps(label, update.version, steps, calls));
      const now = await readWorkspace(stack.runnerUrl, projectId);
      const verdict = spec.reference === null ? null : judge(spec.reference, files, now, update.version, update.prompt, history, job.status === "succeeded");
      history.push({ versionNumber: update.version, prompt: update.prompt });
      files = now;
      const records = stepRecords(steps, calls);
      const modelMs = records.reduce((t, s) => t + s.modelMs, 0);
      const measuredWallMs = wall(job.startedAt, job.finishedAt);
      const record: UpdateRecord = {
        n: update.n,
        version: update.version,
        kind: update.kind,
        names: update.names,
        refersTo: update.refersTo,
        pauseMs: thinkTime.ms,
        pauseBand: thinkTime.band,
        status: job.status,
        decision: job.resume?.decision ?? null,
        reason: job.resume?.reason ?? null,
        costUsd: steps.reduce((t, s) => t + s.costUsd, 0),
        tokens: tokensOf(steps),
        steps: records,
        compacted: steps.some((s) => s.step === "compact"),
        measuredWallMs,
        modelMs,
        wallMs: Math.round(measuredWallMs + (1 - spec.latencyScale) * modelMs),
        right: verdict?.right ?? null,
        wrongPaths: verdict === null ? [] : [...verdict.missing, ...verdict.unexpected, ...verdict.different],
        postgres: { connections: after.connections - before.connections, handshakes: after.handshakes - before.handshakes, queries: after.queries - before.queries },
        policy: null,
        ack: { ms: ack.ms, timing: ack.timing },
      };
      updates.push(record);
      const quality = record.right === null ? "" : record.right ? " right" : ` WRONG (${record.wrongPaths.join(", ")})`;
      log(`${label}: ${update.n}/${workload.updates.length} ${update.kind} after ${Math.round(thinkTime.ms / 60_000)} min: ${job.status} (${chosenOption(events) ?? record.decision ?? "?"}${record.compacted ? ", compacted" : ""}) $${record.costUsd.toFixed(4)}${quality}`);
    }

    // The policy's records (its actual cost is written once the job is done): read once, at the end.
    const versions = await api.versions(projectId);
    const withPolicy = updates.map((u) => ({ ...u, policy: updatePolicy(versions.find((v) => v.versionNumber === u.version)?.policy ?? null) }));
    const metrics = await api.metrics();
    return {
      scenario: scenario.name,
      mode: mode.name,
      vars,
      model: createCalls.find((c) => c.model !== null)?.model ?? null,
      create: { costUsd: createSteps.reduce((t, s) => t + s.costUsd, 0), wallMs: wall(createJob.startedAt, createJob.finishedAt), steps: stepRecords(createSteps, createCalls) },
      updates: withPolicy,
      resumeSuccessRate: metrics.resume.successRate,
      runtimeSeconds: Math.round((Date.now() - started) / 1000),
    };
  });
}
