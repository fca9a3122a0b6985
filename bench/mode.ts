// One mode of the resume-versus-fresh comparison: a fresh stack (same seed), the create,
// then the updates one after another, each measured through the public API, the
// simulator's request log, the metrics rows and the Postgres round-trip counter.
import type { RoundTrips } from "../scripts/db/ws-proxy.ts";
import type { VersionView } from "../src/domain/views.ts";
import { settle, withBenchStack } from "./bench-stack.ts";
import { ApiClient } from "./client.ts";
import { MetricRows } from "./metric-rows.ts";
import type { BenchOptions } from "./options.ts";
import { advanceClock, clearLog, readLog } from "./simulator-log.ts";
import { sum } from "./stats.ts";
import { stepTimes, summarize } from "./summary.ts";
import type { Mode, ModeResult, Tokens, UpdateRecord } from "./types.ts";
import type { Workload } from "./workload.ts";

const JOB_TIMEOUT_MS = 10 * 60_000;

const tokensOf = (v: VersionView): Tokens => ({
  inputUncached: v.usage.inputTokens,
  cacheWrite: v.usage.cacheCreationInputTokens,
  cacheRead: v.usage.cacheReadInputTokens,
  output: v.usage.outputTokens,
});

const delta = (a: RoundTrips, b: RoundTrips): RoundTrips => ({ connections: b.connections - a.connections, handshakes: b.handshakes - a.handshakes, queries: b.queries - a.queries });

const wall = (startedAt: string | null, finishedAt: string | null): number =>
  startedAt === null || finishedAt === null ? 0 : Date.parse(finishedAt) - Date.parse(startedAt);

export async function runMode(mode: Mode, options: BenchOptions, work: Workload, log: (line: string) => void): Promise<ModeResult> {
  const vars = { SESSION_RESUME_ENABLED: mode === "resume" ? "true" : "false", COMPACTION_POLICY: options.compactionPolicy };
  return withBenchStack({ vars, latencyScale: options.latencyScale, seed: options.seed }, async ({ stack, db }) => {
    const sim = stack.simulatorUrl;
    if (sim === null) throw new Error("the benchmark needs the model simulator");
    const api = await ApiClient.create(stack.url, stack.authSecret, `bench-${mode}`);
    const rows = await MetricRows.connect(db.url);
    try {
      await clearLog(sim);
      const created = await api.createProject(`bench-${mode}`, work.createPrompt);
      const projectId = created.project.id;
      const createJob = await api.finished(projectId, created.job.id, JOB_TIMEOUT_MS);
      if (createJob.status !== "succeeded") throw new Error(`${mode}: the create failed: ${JSON.stringify(createJob.error)}`);
      const createModel = await readLog(sim);
      log(`${mode}: created ${options.files} files in ${wall(createJob.startedAt, createJob.finishedAt)} ms`);

      const measured: Omit<UpdateRecord, "tokens" | "costUsd" | "engineMs" | "decision" | "reason">[] = [];
      for (const [i, update] of work.updates.entries()) {
        await advanceClock(sim, options.gapMinutes * 60_000);
        await settle(db);
        await clearLog(sim);
        const before = db.roundTrips();
        const accepted = await api.postUpdate(projectId, update.prompt);
        const job = await api.finished(projectId, accepted.job.id, JOB_TIMEOUT_MS);
        await settle(db);
        const postgres = delta(before, db.roundTrips());
        const model = await readLog(sim);
        const steps = await rows.forVersion(job.versionId);
        const wallMs = wall(job.startedAt, job.finishedAt);
        measured.push({
          n: i + 1,
          files: update.files,
          status: job.status,
          wallMs,
          modelMs: model.modelMs,
          projectedWallMs: Math.round(wallMs + (1 - options.latencyScale) * model.modelMs),
          modelRequests: model.requests,
          simulatorCostUsd: Math.round(model.costUsd * 1e6) / 1e6,
          toolCalls: sum(steps.map((s) => s.toolCalls)),
          filesRead: sum(steps.map((s) => s.filesRead)),
          numTurns: sum(steps.map((s) => s.numTurns)),
          steps,
          stepTimes: stepTimes(steps, model, options.latencyScale),
          postgres,
        });
        log(`${mode}: update ${i + 1}/${work.updates.length} ${job.status} (${job.resume?.decision ?? "?"}) in ${wallMs} ms, $${job.totals.costUsd.toFixed(4)}, ${postgres.queries} queries / ${postgres.connections} connections`);
      }

      const versions = new Map((await api.versions(projectId)).map((v) => [v.versionNumber, v]));
      const updates: UpdateRecord[] = measured.map((m) => {
        const v = versions.get(m.n + 1);
        if (v === undefined) throw new Error(`${mode}: version ${m.n + 1} missing`);
        return { ...m, decision: v.resumeDecision, reason: v.resumeReason, tokens: tokensOf(v), costUsd: v.usage.costUsd, engineMs: v.usage.durationMs };
      });
      const first = versions.get(1);
      const metrics = await api.metrics();
      return {
        mode,
        vars,
        create: {
          costUsd: first?.usage.costUsd ?? 0,
          wallMs: wall(createJob.startedAt, createJob.finishedAt),
          modelMs: createModel.modelMs,
          tokens: first === undefined ? { inputUncached: 0, cacheWrite: 0, cacheRead: 0, output: 0 } : tokensOf(first),
        },
        model: createModel.model,
        updates,
        summary: summarize(updates, metrics.resume.successRate),
        metrics,
      };
    } finally {
      await rows.close();
    }
  });
}
