// What the benchmark measures and writes to bench/results.json.
import type { RoundTrips } from "../scripts/db/ws-proxy.ts";
import type { Calibration } from "./calibration.ts";
import type { PolicyResult } from "./oracle.ts";
import type { DoTiming } from "./server-timing.ts";
import type { Spread } from "./stats.ts";
import type { UpdateKind } from "./workload.ts";

export interface Tokens {
  /** Plain input tokens (neither read from nor written to the prompt cache). */
  input: number;
  cacheWrite: number;
  cacheRead: number;
  output: number;
}

/** One step of a job (build/update, metadata, compact). */
export interface StepRecord {
  step: string;
  /** Claude Code's cost of the step: its total_cost_usd delta. */
  costUsd: number;
  /** Model calls of the step in the simulator's log. */
  requests: number;
  /** Modelled model time of those calls at full latency (unscaled). */
  modelMs: number;
  /** Prompt tokens of the step's last model call: the session's context size after it. */
  contextTokens: number | null;
  toolCalls: number;
  filesRead: number;
}

/**
 * The resume policy's record of an update, from its version (GET …/versions, `policy`): the
 * choice, every option's prediction, and the product's own actual. Every mode has one (under
 * SESSION_POLICY=always the predictions are made but only one option is open).
 */
export interface UpdatePolicy {
  choice: string;
  predictions: { option: string; allowed: boolean; costUsd: number }[];
  predictedCostUsd: number | null;
  /** The covered steps' cost as the product recorded it; null when the path did not run as planned (not scored). */
  actualCostUsd: number | null;
  cacheTtl: string | null;
}

export interface UpdateRecord {
  n: number;
  version: number;
  kind: UpdateKind;
  /** How an ordinary edit named what to change (a feature, found by search, or the file); null for context-dependent updates. */
  names: "feature" | "path" | null;
  refersTo: number | null;
  /** The user's pause before this update (think time), and its band. */
  pauseMs: number;
  pauseBand: string;
  status: string;
  decision: string | null;
  reason: string | null;
  /** Claude Code's cost of the whole job: the sum of its steps' total_cost_usd deltas. */
  costUsd: number;
  tokens: Tokens;
  steps: StepRecord[];
  compacted: boolean;
  /** The job's startedAt → finishedAt as measured (at the benchmark's latency scale). */
  measuredWallMs: number;
  /** Modelled model time of the job's calls at full latency. */
  modelMs: number;
  /** The job's wall time with the model at full latency: measured + (1 - scale) × modelMs. */
  wallMs: number;
  /** Done right by the context-quality rule; null when the reference executor is not wired. */
  right: boolean | null;
  /** Paths that differed from the expected workspace (empty when right). */
  wrongPaths: string[];
  postgres: RoundTrips;
  /** The resume policy's record; null when the version has none. */
  policy: UpdatePolicy | null;
  /** The update's acknowledgement (POST …/updates until 202) and its Durable Object RPCs. */
  ack: { ms: number; timing: DoTiming | null };
}

export interface ChainResult {
  scenario: string;
  mode: string;
  vars: Record<string, string>;
  model: string | null;
  create: { costUsd: number; wallMs: number; steps: StepRecord[] };
  updates: UpdateRecord[];
  /** From GET /v1/metrics: (resumed + forked) / tried, over every step of the chain. */
  resumeSuccessRate: number | null;
  /** Seconds the chain took on this machine (stack start to stop). */
  runtimeSeconds: number;
}

/** The fixed shape (#9 point 6), per scenario and mode and over all scenarios. */
export interface ModeStats {
  costUsd: { mean: number | null; ci95: [number, number] | null };
  wallMs: { p50: number | null; p95?: number | null };
  qualityScore: number | null;
  /** Updates behind these numbers. */
  n: number;
}

export interface ScenarioResult {
  name: string;
  files: number;
  updates: number;
  seed: number;
  modes: Record<string, ModeStats>;
}

export interface ModeDetail {
  decisions: Record<string, number>;
  compactions: number;
  tokensPerUpdate: Tokens;
  /** Mean context size (prompt tokens of the last call) after the build/update step. */
  contextTokensAfterUpdate: number | null;
  costByStep: Record<string, number | null>;
  costByPauseBand: Record<string, { n: number; mean: number | null }>;
  qualityByKind: Record<string, { n: number; right: number }>;
  toolCallsPerUpdate: number | null;
  filesReadPerUpdate: number | null;
  postgresPerUpdate: { queries: number | null; connections: number | null };
  resumeSuccessRate: number | null;
  createCostUsd: number | null;
}

export interface LatencySet {
  /** Client-side wall time of the request, body included. */
  ms: Spread & { mean: number | null };
  /** Durable Object RPCs per request and their summed time (Server-Timing). */
  doRpcsPerRequest: number | null;
  doMs: Spread;
}

export interface EdgeResult {
  projects: number;
  rounds: number;
  polls: number;
  load: { ack: LatencySet; jobRead: LatencySet };
  idle: { ack: LatencySet; jobRead: LatencySet };
  /** Postgres traffic of the load part's updates (ack + job), per update. */
  postgresPerUpdate: RoundTrips;
  jobs: { succeeded: number; failed: number };
}

export interface WorkloadMix {
  featureShare: number;
  ordinaryEdits: number;
  featureRequests: number;
  contextDependent: number;
}

/** Every figure of one workload mix (bench/mixes.ts), from its own scenarios only. */
export interface MixResult {
  mix: string;
  featureShare: number;
  /** The mix as the scenarios' workloads drew it. */
  workload: WorkloadMix;
  scenarios: ScenarioResult[];
  summary: Record<string, ModeStats>;
  details: { summary: Record<string, ModeDetail>; sizes: Record<string, Record<string, ModeDetail>>; scenarios: Record<string, Record<string, ModeDetail>> };
  policy: PolicyResult | null;
}

export interface BenchResults {
  generatedAt: string;
  /** The code measured: `git rev-parse HEAD`, and whether the tree had uncommitted changes (null: not a git checkout). */
  commit: { sha: string; dirty: boolean } | null;
  /** The workload mix: the configured share of ordinary edits that name features, and what the scenarios drew. */
  workload: WorkloadMix;
  config: Record<string, unknown>;
  environment: Record<string, string | number>;
  calibration: Calibration;
  scenarios: ScenarioResult[];
  summary: Record<string, ModeStats>;
  details: { summary: Record<string, ModeDetail>; sizes: Record<string, Record<string, ModeDetail>>; scenarios: Record<string, Record<string, ModeDetail>> };
  /** The resume policy's mode: prediction error, choices, the hindsight oracle, the targets (null when the mode did not run). */
  policy: PolicyResult | null;
  /**
   * Every mix the run measured, the headline first; the top-level workload, scenarios,
   * summary, details and policy are the headline mix's. Absent in runs before mixes existed.
   */
  mixes?: MixResult[];
  plots: string[];
  assumptions: string[];
  chains: ChainResult[];
  edge: EdgeResult | null;
  runtimeSeconds: number;
}
