// Per-update steps and per-mode summaries of the resume-versus-fresh part.
import type { StepRow } from "./metric-rows.ts";
import type { ModelCalls } from "./simulator-log.ts";
import { mean, percentile, spread, sum } from "./stats.ts";
import type { ModeSummary, StepSummary, StepTime, UpdateRecord } from "./types.ts";

/** The simulator's request kind for each operation's API calls. */
const KIND: Record<string, string> = { build: "turn", update: "turn", metadata: "metadata", compact: "compaction" };

export function stepTimes(steps: readonly StepRow[], model: ModelCalls, latencyScale: number): Record<string, StepTime> {
  const out: Record<string, StepTime> = {};
  for (const s of steps) {
    const calls = model.byKind[KIND[s.operation] ?? s.operation];
    const modelMs = calls?.modelMs ?? 0;
    const prior = out[s.operation];
    // An operation that ran twice (a resume that fell back) adds up.
    out[s.operation] = {
      costUsd: (prior?.costUsd ?? 0) + s.costUsd,
      engineMs: (prior?.engineMs ?? 0) + s.durationMs,
      modelMs,
      projectedMs: Math.round((prior?.engineMs ?? 0) + s.durationMs + (1 - latencyScale) * modelMs),
      outputTokens: calls?.outputTokens ?? 0,
    };
  }
  return out;
}

function stepSummary(ok: readonly UpdateRecord[]): Record<string, StepSummary> {
  const names = [...new Set(ok.flatMap((u) => Object.keys(u.stepTimes)))];
  return Object.fromEntries(names.map((name) => {
    const times = ok.flatMap((u) => u.stepTimes[name] ?? []);
    return [name, {
      costUsd: mean(times.map((t) => t.costUsd)),
      outputTokens: mean(times.map((t) => t.outputTokens)),
      modelMs: spread(times.map((t) => t.modelMs)),
      projectedMs: spread(times.map((t) => t.projectedMs)),
    }];
  }));
}

export function summarize(updates: readonly UpdateRecord[], successRate: number | null): ModeSummary {
  const ok = updates.filter((u) => u.status === "succeeded");
  const avg = (pick: (u: UpdateRecord) => number): number | null => mean(ok.map(pick));
  const costs = ok.map((u) => u.costUsd);
  return {
    updates: updates.length,
    succeeded: ok.length,
    resumed: ok.filter((u) => u.decision === "resume").length,
    tokensPerUpdate: {
      inputUncached: avg((u) => u.tokens.inputUncached) ?? 0,
      cacheWrite: avg((u) => u.tokens.cacheWrite) ?? 0,
      cacheRead: avg((u) => u.tokens.cacheRead) ?? 0,
      output: avg((u) => u.tokens.output) ?? 0,
    },
    costUsd: { mean: mean(costs), p50: percentile(costs, 0.5), p95: percentile(costs, 0.95), total: sum(costs) },
    simulatorCostUsd: { mean: avg((u) => u.simulatorCostUsd), total: sum(ok.map((u) => u.simulatorCostUsd)) },
    wallMs: spread(ok.map((u) => u.wallMs)),
    projectedWallMs: spread(ok.map((u) => u.projectedWallMs)),
    modelMs: spread(ok.map((u) => u.modelMs)),
    toolCallsPerUpdate: avg((u) => u.toolCalls),
    filesReadPerUpdate: avg((u) => u.filesRead),
    modelRequestsPerUpdate: avg((u) => u.modelRequests),
    resumeSuccessRate: successRate,
    byStep: stepSummary(ok),
    postgresPerUpdate: {
      connections: mean(updates.map((u) => u.postgres.connections)),
      handshakes: mean(updates.map((u) => u.postgres.handshakes)),
      queries: mean(updates.map((u) => u.postgres.queries)),
    },
  };
}
