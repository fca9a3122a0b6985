// The whole benchmark: resume on, then off, on the same workload and seed, then the edge
// layer under load. Returns the results; run.ts prints and writes them.
import { cpus, totalmem } from "node:os";
import { assumptions } from "./assumptions.ts";
import { runEdge } from "./edge.ts";
import { runMode } from "./mode.ts";
import type { BenchOptions } from "./options.ts";
import { comparison } from "./report.ts";
import type { BenchResults, Mode, ModeResult } from "./types.ts";
import { workload } from "./workload.ts";

export async function runBenchmark(options: BenchOptions, log: (line: string) => void = () => undefined): Promise<BenchResults> {
  const work = workload(options.files, options.updates, options.seed);
  const modes: Partial<Record<Mode, ModeResult>> = {};
  if (!options.skipModes) {
    for (const mode of ["resume", "fresh"] as const) modes[mode] = await runMode(mode, options, work, log);
  }
  const edge = options.skipEdge ? null : await runEdge(options, log);
  const { out: _out, check: _check, ...config } = options;
  const model = modes.resume?.model ?? modes.fresh?.model ?? "unknown";
  return {
    generatedAt: new Date().toISOString(),
    config,
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memoryGb: Math.round(totalmem() / 2 ** 30),
      model,
    },
    assumptions: assumptions(options, model),
    modes,
    comparison: modes.resume !== undefined && modes.fresh !== undefined ? comparison(modes.resume, modes.fresh) : null,
    edge,
  };
}
