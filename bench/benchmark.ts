// The whole benchmark: every scenario in every mode (each chain on its own stack, a few at
// once), the engine-versus-table calibration over every step they ran, then the edge layer
// under load. Returns the results; run.ts writes them, the plots and the tables.
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { aggregate } from "./aggregate.ts";
import { assumptions } from "./assumptions.ts";
import { calibration } from "./calibration.ts";
import type { StepCheck } from "./calibration.ts";
import { runChain } from "./chain.ts";
import { currentCommit } from "./commit.ts";
import type { ChainSpec } from "./chain.ts";
import { runEdge } from "./edge.ts";
import { mixOf } from "./mixes.ts";
import type { Mix } from "./mixes.ts";
import { modesNamed } from "./modes.ts";
import type { BenchOptions } from "./options.ts";
import { policyResult } from "./oracle.ts";
import { mapLimit } from "./pool.ts";
import type { Reference } from "./quality.ts";
import { scenarios } from "./scenarios.ts";
import { drawPauses } from "./think-time.ts";
import type { Scenario } from "./scenarios.ts";
import type { BenchResults, ChainResult, EdgeResult, MixResult, WorkloadMix } from "./types.ts";
import { workload } from "./workload.ts";
import type { Workload } from "./workload.ts";

/** What the scenarios' workloads drew: ordinary edits, how many of them name features, context-dependent updates. */
function workloadMix(featureShare: number, workloads: readonly Workload[]): WorkloadMix {
  const updates = workloads.flatMap((w) => w.updates);
  return {
    featureShare,
    ordinaryEdits: updates.filter((u) => u.kind === "edit").length,
    featureRequests: updates.filter((u) => u.names === "feature").length,
    contextDependent: updates.filter((u) => u.kind !== "edit").length,
  };
}

function engineVersion(): string {
  const url = new URL("../node_modules/@anthropic-ai/claude-agent-sdk/package.json", import.meta.url);
  const pkg = JSON.parse(readFileSync(url, "utf8")) as { version?: string; claudeCodeVersion?: string };
  return `Claude Code ${pkg.claudeCodeVersion ?? "?"} (Agent SDK ${pkg.version ?? "?"})`;
}

/** The mode whose chains the oracle judges (bench/modes.ts). */
const POLICY_MODE = "policy";

/** Every figure of one workload mix, from its own scenarios' chains only. */
function mixResult(mix: Mix, list: readonly Scenario[], modes: readonly string[], chains: readonly ChainResult[], workloads: ReadonlyMap<string, Workload>): MixResult {
  const mine = list.filter((s) => s.mix.name === mix.name);
  const names = new Set(mine.map((s) => s.name));
  const own = chains.filter((c) => names.has(c.scenario));
  const aggregated = aggregate(mine, modes, own);
  const policyChains = own.filter((c) => c.mode === POLICY_MODE);
  return {
    mix: mix.name,
    featureShare: mix.featureShare,
    workload: workloadMix(mix.featureShare, mine.flatMap((s) => workloads.get(s.name) ?? [])),
    ...aggregated,
    policy: policyChains.length === 0 ? null : policyResult(POLICY_MODE, policyChains, aggregated.summary),
  };
}

/** `referenceFor`: the reference executor for a scenario's seed (scaffolded content depends on it); null: quality is not measured. */
export async function runBenchmark(options: BenchOptions, referenceFor: ((seed: number) => Reference) | null, log: (line: string) => void): Promise<BenchResults> {
  const started = Date.now();
  // Read before the run: a commit made while it runs does not describe the code it measured.
  const commit = currentCommit();
  const modes = modesNamed(options.modes);
  const mixes = options.featureShares.map(mixOf);
  const list = scenarios(options.sizes, options.seeds, options.updates, mixes);
  const commonVars = { COMPACTION_POLICY: "threshold", DEV_CLOCK_ENABLED: "true" };
  // Scenario-major order: a scenario's modes run side by side, under the same machine load.
  const workloads = new Map<string, Workload>();
  const specs: ChainSpec[] = list.flatMap((scenario) => {
    const work = workload({ ...scenario, contextChance: options.contextChance, featureShare: scenario.mix.featureShare });
    workloads.set(scenario.name, work);
    const pauses = drawPauses(scenario.updates, scenario.seed);
    const reference = referenceFor === null ? null : referenceFor(scenario.seed);
    const vars = { ...commonVars, COMPACTION_THRESHOLD_TOKENS: String(scenario.compactionThreshold) };
    return modes.map((mode) => ({ scenario, mode, workload: work, pauses, latencyScale: options.latencyScale, commonVars: vars, reference }));
  });
  const checks: StepCheck[] = [];
  const runChains = (): Promise<ChainResult[]> => (options.skipChains ? Promise.resolve([]) : mapLimit(specs, options.concurrency, (spec) => runChain(spec, checks, log)));
  const edgeOptions = { projects: options.projects, rounds: options.rounds, polls: options.polls, seed: options.seeds[0] ?? 1 };
  const runEdgePart = (): Promise<EdgeResult | null> => (options.skipEdge ? Promise.resolve(null) : runEdge(edgeOptions, log));
  // The edge part measures latency: alone on the machine, after the chains (except in the tiny run).
  const [chains, edge] = options.edgeAlongside ? await Promise.all([runChains(), runEdgePart()]) : [await runChains(), await runEdgePart()];
  const model = chains.find((c) => c.model !== null)?.model ?? "unknown";
  const { out: _out, ...config } = options;
  const byMix = mixes.map((mix) => mixResult(mix, list, modes.map((m) => m.name), chains, workloads));
  // The headline mix's figures stand at the top level (the issue's `summary.<mode>`, `policy`, `workload`).
  const [headline] = byMix;
  if (headline === undefined) throw new Error("no workload mix to run");
  const { mix: _mix, featureShare: _share, ...top } = headline;
  return {
    generatedAt: new Date().toISOString(),
    commit,
    config: { ...config, modes: modes.map((m) => ({ name: m.name, vars: m.vars })), commonVars },
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memoryGb: Math.round(totalmem() / 2 ** 30),
      engine: engineVersion(),
      model,
    },
    calibration: calibration(checks),
    ...top,
    mixes: byMix,
    plots: [],
    assumptions: assumptions(options, model, referenceFor !== null),
    chains,
    edge,
    runtimeSeconds: Math.round((Date.now() - started) / 1000),
  };
}
