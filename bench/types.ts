// What the benchmark measures and writes to bench/results.json.
import type { RoundTrips } from "../scripts/db/ws-proxy.ts";
import type { MetricsReport } from "../src/metrics/types.ts";
import type { StepRow } from "./metric-rows.ts";
import type { Spread } from "./stats.ts";

export type Mode = "resume" | "fresh";

export interface Tokens {
  /** Plain input tokens (neither read from nor written to the prompt cache). */
  inputUncached: number;
  cacheWrite: number;
  cacheRead: number;
  output: number;
}

/** One step of a job (update, metadata, compact): where its cost and time went. */
export interface StepTime {
  /** Claude Code's cost of the step (its metrics row). */
  costUsd: number;
  /** The runner's wall clock of the engine run, at the benchmark's latency scale. */
  engineMs: number;
  /** Modelled model time of the step's API calls at latency scale 1. */
  modelMs: number;
  /** engineMs + (1 - latencyScale) × modelMs. */
  projectedMs: number;
  outputTokens: number;
}

export interface StepSummary {
  costUsd: number | null;
  outputTokens: number | null;
  modelMs: Spread;
  projectedMs: Spread;
}

export interface UpdateRecord {
  n: number;
  files: string[];
  status: string;
  decision: string | null;
  reason: string | null;
  tokens: Tokens;
  /** The version's cost: the sum of its steps' Claude Code total_cost_usd deltas. */
  costUsd: number;
  /** The job's startedAt → finishedAt, as GET …/jobs/:id reports it. */
  wallMs: number;
  /** The version's duration_ms: the runner's wall clock of its engine runs, summed. */
  engineMs: number;
  /** Modelled model time of the update's API calls at latency scale 1 (simulator log). */
  modelMs: number;
  /** wallMs with the model's sleeps at full length: wallMs + (1 - latencyScale) × modelMs. */
  projectedWallMs: number;
  modelRequests: number;
  /** The simulator's own pricing of those calls (a cross-check of costUsd). */
  simulatorCostUsd: number;
  toolCalls: number;
  filesRead: number;
  numTurns: number;
  steps: StepRow[];
  /** By operation: "update", "metadata" (and "compact" when it ran). */
  stepTimes: Record<string, StepTime>;
  postgres: RoundTrips;
}

export interface ModeSummary {
  updates: number;
  succeeded: number;
  resumed: number;
  tokensPerUpdate: Tokens;
  costUsd: { mean: number | null; p50: number | null; p95: number | null; total: number };
  /** The same usage at the simulator's list prices. */
  simulatorCostUsd: { mean: number | null; total: number };
  wallMs: Spread;
  projectedWallMs: Spread;
  modelMs: Spread;
  toolCallsPerUpdate: number | null;
  filesReadPerUpdate: number | null;
  modelRequestsPerUpdate: number | null;
  /** From GET /v1/metrics: (resumed + forked) / tried, over every step of the mode's jobs. */
  resumeSuccessRate: number | null;
  /** Per step of the job, mean over the succeeded updates. */
  byStep: Record<string, StepSummary>;
  postgresPerUpdate: { connections: number | null; handshakes: number | null; queries: number | null };
}

export interface ModeResult {
  mode: Mode;
  vars: Record<string, string>;
  create: { costUsd: number; wallMs: number; modelMs: number; tokens: Tokens };
  /** The model id Claude Code requested from the simulator. */
  model: string | null;
  updates: UpdateRecord[];
  summary: ModeSummary;
  metrics: MetricsReport;
}

export interface LatencyPair {
  edge: Spread;
  runner: Spread;
  /** edge / runner at p50 and p99. */
  ratioP50: number | null;
  ratioP99: number | null;
}

export interface EdgeResult {
  projects: number;
  rounds: number;
  polls: number;
  /** POST /v1/projects/:id/updates (202) against the runner's PUT …/workspace/snapshot. */
  ack: LatencyPair;
  /** GET /v1/projects/:id/jobs/:jobId against the runner's GET …/workspace. */
  jobRead: LatencyPair;
  /** The same pairs from one client at a time on an idle stack: the overhead without contention. */
  idle: { ack: LatencyPair; jobRead: LatencyPair };
  /** Postgres traffic of all the updates of this part, per update. */
  postgresPerUpdate: { connections: number; handshakes: number; queries: number };
  jobs: { succeeded: number; failed: number };
}

export interface Target {
  name: string;
  target: string;
  /** A fraction: a reduction (lower cost, shorter time) or a rate. */
  value: number | null;
  kind: "cost" | "time" | "rate";
  met: boolean | null;
}

export interface BenchResults {
  generatedAt: string;
  config: Record<string, number | string | boolean>;
  environment: Record<string, string | number>;
  assumptions: string[];
  modes: Partial<Record<Mode, ModeResult>>;
  comparison: {
    costReduction: number | null;
    /** The same comparison at the simulator's list prices. */
    simulatorCostReduction: number | null;
    wallTimeReductionP50: number | null;
    projectedWallTimeReductionP50: number | null;
    targets: Target[];
  } | null;
  edge: EdgeResult | null;
}
