// From the chains' per-update records to results.json's scenarios and summary: per mode,
// the mean cost per update with a seeded bootstrap 95% interval, the p50 wall time (p95 from
// 20 updates on) and the context-quality score; plus the details that explain them.
import { PAUSE_BANDS } from "./think-time.ts";
import type { Scenario } from "./scenarios.ts";
import { bootstrapMeanCi, mean, percentile, MIN_SAMPLES_FOR_P95 } from "./stats.ts";
import type { ChainResult, ModeDetail, ModeStats, ScenarioResult, UpdateRecord } from "./types.ts";

/** Seed of the bootstrap, fixed so that the same results give the same intervals. */
const BOOTSTRAP_SEED = 20_260_901;

/** `groups`: each scenario's updates of one mode. */
export function modeStats(groups: readonly (readonly UpdateRecord[])[]): ModeStats {
  const all = groups.flat();
  const walls = all.map((u) => u.wallMs);
  const judged = all.filter((u) => u.right !== null);
  const wallMs: ModeStats["wallMs"] = { p50: percentile(walls, 0.5) };
  if (walls.length >= MIN_SAMPLES_FOR_P95) wallMs.p95 = percentile(walls, 0.95);
  return {
    costUsd: { mean: mean(all.map((u) => u.costUsd)), ci95: bootstrapMeanCi(groups.map((g) => g.map((u) => u.costUsd)), BOOTSTRAP_SEED) },
    wallMs,
    qualityScore: judged.length === 0 ? null : judged.filter((u) => u.right === true).length / judged.length,
    n: all.length,
  };
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

export function modeDetail(chains: readonly ChainResult[]): ModeDetail {
  const all = chains.flatMap((c) => c.updates);
  const avg = (pick: (u: UpdateRecord) => number): number | null => mean(all.map(pick));
  const stepNames = [...new Set(all.flatMap((u) => u.steps.map((s) => s.step)))];
  const kinds = [...new Set(all.map((u) => u.kind))];
  const rates = chains.map((c) => c.resumeSuccessRate).filter((r): r is number => r !== null);
  return {
    decisions: countBy(all, (u) => (u.decision === "fresh" && u.reason !== null ? `fresh: ${u.reason.split(":")[0] ?? ""}` : (u.decision ?? "none"))),
    compactions: all.filter((u) => u.compacted).length,
    tokensPerUpdate: {
      input: avg((u) => u.tokens.input) ?? 0,
      cacheWrite: avg((u) => u.tokens.cacheWrite) ?? 0,
      cacheRead: avg((u) => u.tokens.cacheRead) ?? 0,
      output: avg((u) => u.tokens.output) ?? 0,
    },
    contextTokensAfterUpdate: mean(all.flatMap((u) => u.steps.filter((s) => s.step === "update" && s.contextTokens !== null).map((s) => s.contextTokens ?? 0))),
    // Mean over all updates; a step that did not run in an update counts as $0 there.
    costByStep: Object.fromEntries(stepNames.map((name) => [name, avg((u) => u.steps.filter((s) => s.step === name).reduce((t, s) => t + s.costUsd, 0))])),
    costByPauseBand: Object.fromEntries(PAUSE_BANDS.map((b) => {
      const inBand = all.filter((u) => u.pauseBand === b.name);
      return [b.name, { n: inBand.length, mean: mean(inBand.map((u) => u.costUsd)) }];
    })),
    qualityByKind: Object.fromEntries(kinds.map((k) => {
      const ofKind = all.filter((u) => u.kind === k && u.right !== null);
      return [k, { n: ofKind.length, right: ofKind.filter((u) => u.right === true).length }];
    })),
    toolCallsPerUpdate: avg((u) => u.steps.reduce((t, s) => t + s.toolCalls, 0)),
    filesReadPerUpdate: avg((u) => u.steps.reduce((t, s) => t + s.filesRead, 0)),
    postgresPerUpdate: { queries: avg((u) => u.postgres.queries), connections: avg((u) => u.postgres.connections) },
    resumeSuccessRate: mean(rates),
    createCostUsd: mean(chains.map((c) => c.create.costUsd)),
  };
}

export interface Aggregate {
  scenarios: ScenarioResult[];
  summary: Record<string, ModeStats>;
  details: { summary: Record<string, ModeDetail>; sizes: Record<string, Record<string, ModeDetail>>; scenarios: Record<string, Record<string, ModeDetail>> };
}

export function aggregate(scenarios: readonly Scenario[], modes: readonly string[], chains: readonly ChainResult[]): Aggregate {
  const chainOf = (scenario: string, mode: string): ChainResult[] => chains.filter((c) => c.scenario === scenario && c.mode === mode);
  const results: ScenarioResult[] = scenarios.map((s) => ({
    name: s.name,
    files: s.files,
    updates: s.updates,
    seed: s.seed,
    modes: Object.fromEntries(modes.map((m) => [m, modeStats([chainOf(s.name, m).flatMap((c) => c.updates)])])),
  }));
  const summary = Object.fromEntries(modes.map((m) => [m, modeStats(scenarios.map((s) => chainOf(s.name, m).flatMap((c) => c.updates)))]));
  return {
    scenarios: results,
    summary,
    details: {
      summary: Object.fromEntries(modes.map((m) => [m, modeDetail(chains.filter((c) => c.mode === m))])),
      // Per project size: the sizes behave differently enough that one mix hides both.
      sizes: Object.fromEntries([...new Set(scenarios.map((s) => s.files))].map((files) => {
        const names = new Set(scenarios.filter((s) => s.files === files).map((s) => s.name));
        return [`${files} files`, Object.fromEntries(modes.map((m) => [m, modeDetail(chains.filter((c) => c.mode === m && names.has(c.scenario)))]))];
      })),
      scenarios: Object.fromEntries(scenarios.map((s) => [s.name, Object.fromEntries(modes.map((m) => [m, modeDetail(chainOf(s.name, m))]))])),
    },
  };
}
