// Benchmark configuration from flags (`--updates 8`) or environment (`BENCH_UPDATES=8`);
// `--tiny` is the small configuration `npm test` runs to prove the benchmark works.
import { parseArgs } from "node:util";

export interface BenchOptions {
  /** Files the create step scaffolds. */
  files: number;
  /** Updates after the create, the same in both modes. */
  updates: number;
  seed: number;
  /** Multiplies the simulator's modelled latency for the resume-versus-fresh part (0: no sleeping). */
  latencyScale: number;
  /** Minutes of user "think time" between updates: moves the simulator's cache clock forward. */
  gapMinutes: number;
  compactionPolicy: "threshold" | "always" | "never";
  /** Edge part: projects loaded concurrently, update rounds per project, job polls per project. */
  projects: number;
  rounds: number;
  polls: number;
  /** Where results are written. */
  out: string;
  /** Exit 1 when a product target is missed. */
  check: boolean;
  /** Skip one part (development of the other). */
  skipEdge: boolean;
  skipModes: boolean;
}

const FULL: Omit<BenchOptions, "out" | "check" | "skipEdge" | "skipModes"> = {
  files: 30, updates: 8, seed: 1, latencyScale: 0.25, gapMinutes: 0, compactionPolicy: "threshold", projects: 50, rounds: 3, polls: 10,
};
const TINY: typeof FULL = { ...FULL, files: 10, updates: 2, latencyScale: 0, projects: 2, rounds: 1, polls: 2 };

const NUMERIC = ["files", "updates", "seed", "latencyScale", "gapMinutes", "projects", "rounds", "polls"] as const;

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (name: string): string => `BENCH_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

function number(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${kebab(name)} must be a non-negative number, got "${raw}"`);
  return value;
}

export function parseOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, defaultOut: string): BenchOptions {
  const strings = Object.fromEntries(NUMERIC.map((n) => [kebab(n), { type: "string" as const }]));
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...strings,
      tiny: { type: "boolean" },
      check: { type: "boolean" },
      "skip-edge": { type: "boolean" },
      "skip-modes": { type: "boolean" },
      "compaction-policy": { type: "string" },
      out: { type: "string" },
    },
    strict: true,
  });
  const all: Record<string, string | boolean | undefined> = values;
  const flag = (name: string): string | undefined => {
    const v = all[name];
    return typeof v === "string" ? v : undefined;
  };
  const bool = (name: string, envKey: string): boolean => all[name] === true || env[envKey] === "1" || env[envKey] === "true";
  const base = bool("tiny", "BENCH_TINY") ? TINY : FULL;
  const options: BenchOptions = {
    ...base,
    out: flag("out") ?? env["BENCH_OUT"] ?? defaultOut,
    check: bool("check", "BENCH_CHECK"),
    skipEdge: bool("skip-edge", "BENCH_SKIP_EDGE"),
    skipModes: bool("skip-modes", "BENCH_SKIP_MODES"),
  };
  for (const name of NUMERIC) {
    const raw = flag(kebab(name)) ?? env[envName(name)];
    if (raw !== undefined) options[name] = number(name, raw);
  }
  const policy = flag("compaction-policy") ?? env["BENCH_COMPACTION_POLICY"];
  if (policy !== undefined) {
    if (policy !== "threshold" && policy !== "always" && policy !== "never") throw new Error("--compaction-policy must be threshold, always or never");
    options.compactionPolicy = policy;
  }
  if (options.files < 3) throw new Error("--files must be at least 3 (updates touch up to 3 files)");
  return options;
}
