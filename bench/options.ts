// Benchmark configuration from flags (`--updates 40`) or environment (`BENCH_UPDATES=40`);
// `--tiny` is the small configuration `npm test` runs to prove the benchmark works.
import { parseArgs } from "node:util";
import { DEFAULT_FEATURE_SHARE, FILE_NAMING_SHARE } from "./mixes.ts";
import { SIZES } from "./scenarios.ts";
import type { ProjectSize } from "./scenarios.ts";

export interface BenchOptions {
  /** Project sizes (bench/scenarios.ts): each runs with every seed. */
  sizes: ProjectSize[];
  seeds: number[];
  /** Updates per chain after the create. */
  updates: number;
  /** Modes to run (bench/modes.ts); null: all of them. */
  modes: string[] | null;
  /** Chains (scenario × mode) running at once, each on its own stack. */
  concurrency: number;
  /** Multiplies the simulator's modelled latency (0: no sleeping; wall times add the model time). */
  latencyScale: number;
  /** COMPACTION_THRESHOLD_TOKENS of every mode and size (COMPACTION_POLICY=threshold); null: each size's own. */
  compactionThreshold: number | null;
  /** Chance that an update after an ordinary edit is context-dependent. */
  contextChance: number;
  /**
   * The workload mixes (bench/mixes.ts): shares of ordinary edits that name a feature instead
   * of a file (0: the file-naming workload). The first is the headline mix; every figure is
   * also reported at the others, side by side.
   */
  featureShares: number[];
  /** Edge part: projects loaded at once, updates per project, job reads per project. */
  projects: number;
  rounds: number;
  polls: number;
  out: string;
  /** Run the edge part at the same time as the chains (the tiny run: its timings prove nothing anyway). */
  edgeAlongside: boolean;
  skipEdge: boolean;
  skipChains: boolean;
}

type Defaults = Omit<BenchOptions, "out" | "skipEdge" | "skipChains" | "modes" | "edgeAlongside">;

// The default run is the published long form (issue #15 item 6): both sizes × seeds 1-3 ×
// every mode (legacy, fresh, resume, policy) × both workload mixes × 40 updates: 48 chains,
// 1,920 updates. Where the time goes (profiled 2026-12-06 on the idle 2-core machine): the
// run is CPU-bound, and Claude Code itself is 70% of it, about 1.3 CPU-s to start and run
// each step (an update is one or two steps); the rest is the stack (workerd, the runner, the
// simulator, Postgres) at about 0.6 CPU-s per update. Two chains at once left 0.6 of a core
// idle (their polls and settles), three at once keep both cores busy. Measured: two seeds
// (32 chains) took 28 min on the idle machine, so three come to about 42 min, inside the
// issue's 60-minute bound.
const FULL: Defaults = {
  sizes: [SIZES["small"], SIZES["large"]].flatMap((s) => (s === undefined ? [] : [s])),
  seeds: [1, 2, 3],
  updates: 40,
  concurrency: 3,
  latencyScale: 0,
  compactionThreshold: null,
  contextChance: 0.6,
  featureShares: [DEFAULT_FEATURE_SHARE, FILE_NAMING_SHARE],
  projects: 50,
  rounds: 3,
  polls: 10,
};
/**
 * The smoke run `npm test` makes (issue #18: under 2 minutes idle, 5 busy): one project of 8
 * files, 4 updates, one mode pair (the policy against plain fresh: two chains at once, one
 * round of stacks), a 2-project edge part alongside. The other modes are the same code with
 * other vars; the full run exercises them.
 */
const TINY: Defaults = {
  // A resumed 8-file session passes 6 000 tokens within the 4 updates; a fresh one does not.
  ...FULL, sizes: [{ files: 8, fileKb: null, compactionThreshold: 6_000 }], seeds: [1], updates: 4, contextChance: 1, featureShares: [DEFAULT_FEATURE_SHARE], concurrency: 2, projects: 2, rounds: 1, polls: 2,
};
const TINY_MODES = ["fresh", "policy"];

const NUMERIC = ["updates", "concurrency", "latencyScale", "compactionThreshold", "contextChance", "projects", "rounds", "polls"] as const;

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (name: string): string => `BENCH_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

function number(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${kebab(name)} must be a non-negative number, got "${raw}"`);
  return value;
}

const list = (raw: string): string[] => raw.split(",").map((s) => s.trim()).filter((s) => s !== "");

function sizes(raw: string): ProjectSize[] {
  return list(raw).map((name) => {
    const size = SIZES[name];
    if (size !== undefined) return size;
    const files = Number(name);
    if (Number.isInteger(files) && files >= 3) return { files, fileKb: null, compactionThreshold: SIZES["small"]?.compactionThreshold ?? 40_000 };
    throw new Error(`--sizes: "${name}" is neither ${Object.keys(SIZES).join(" nor ")} nor a file count >= 3`);
  });
}

export function parseOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, defaultOut: string): BenchOptions {
  const strings = Object.fromEntries([...NUMERIC, "sizes", "seeds", "modes", "featureShare", "out"].map((n) => [kebab(n), { type: "string" as const }]));
  const { values } = parseArgs({
    args: [...argv],
    options: { ...strings, tiny: { type: "boolean" }, "skip-edge": { type: "boolean" }, "skip-chains": { type: "boolean" } },
    strict: true,
  });
  const all: Record<string, string | boolean | undefined> = values;
  const flag = (name: string): string | undefined => {
    const v = all[kebab(name)];
    return typeof v === "string" ? v : env[envName(name)];
  };
  const bool = (name: string): boolean => all[kebab(name)] === true || env[envName(name)] === "1" || env[envName(name)] === "true";
  const base = bool("tiny") ? TINY : FULL;
  const options: BenchOptions = {
    ...base,
    modes: base === TINY ? TINY_MODES : null,
    edgeAlongside: base === TINY,
    out: flag("out") ?? defaultOut,
    skipEdge: bool("skipEdge"),
    skipChains: bool("skipChains"),
  };
  for (const name of NUMERIC) {
    const raw = flag(name);
    if (raw !== undefined) options[name] = number(name, raw);
  }
  const rawSizes = flag("sizes");
  if (rawSizes !== undefined) options.sizes = sizes(rawSizes);
  const threshold = options.compactionThreshold;
  if (threshold !== null) options.sizes = options.sizes.map((s) => ({ ...s, compactionThreshold: threshold }));
  const rawSeeds = flag("seeds");
  if (rawSeeds !== undefined) options.seeds = list(rawSeeds).map((s) => number("seeds", s));
  const rawModes = flag("modes");
  if (rawModes !== undefined) options.modes = list(rawModes);
  // `--feature-share 0.75,0`: the mixes, headline first; one value runs one mix.
  const rawShares = flag("featureShare");
  if (rawShares !== undefined) options.featureShares = [...new Set(list(rawShares).map((s) => number("featureShare", s)))];
  if (options.featureShares.length === 0) throw new Error("--feature-share needs at least one share");
  if (options.concurrency < 1) throw new Error("--concurrency must be at least 1");
  if (options.contextChance > 1) throw new Error("--context-chance is a probability (0..1)");
  if (options.featureShares.some((s) => s > 1)) throw new Error("--feature-share takes shares (0..1)");
  return options;
}
