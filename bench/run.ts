// `npm run bench [-- --tiny | --sizes small --seeds 1 --updates 10 …]`: runs the benchmark
// (docs/benchmark.md), writes bench/results.json and the SVG plots beside it, prints the
// tables, and exits 1 when the model table disagrees with Claude Code's own cost.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { runBenchmark } from "./benchmark.ts";
import { calibrationMessage } from "./calibration.ts";
import { parseOptions } from "./options.ts";
import { writePlots } from "./plots.ts";
import { simulatorReference } from "./quality.ts";
import { mixesOf, mixSideBySide, mixWorkloadLine, pairedByMix, targetsByMix } from "./mix-report.ts";
import { detailTable, edgeSummary, edgeTable, policyTable, scenarioTable, summaryTable } from "./report.ts";

const defaultOut = fileURLToPath(new URL("./results.json", import.meta.url));
const options = parseOptions(process.argv.slice(2), process.env, defaultOut);
const started = Date.now();
const log = (line: string): void => {
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);
};

const results = await runBenchmark(options, simulatorReference, log);
const dir = dirname(options.out);
await mkdir(dir, { recursive: true });
// The plots show the headline mix (the top-level scenarios).
const files = new Map(results.scenarios.map((s) => [s.name, s.files]));
results.plots = await writePlots(dir, Object.keys(results.summary), results.chains.filter((c) => files.has(c.scenario)), (name) => files.get(name) ?? 0);
await writeFile(options.out, `${JSON.stringify(results, null, 2)}\n`);

const out: string[] = [];
if (results.chains.length > 0) {
  const mixes = mixesOf(results);
  out.push(`\nEvery mode at each workload mix (${mixes.length} mix${mixes.length === 1 ? "" : "es"} × ${results.scenarios.length} scenarios × ${Object.keys(results.summary).length} modes, ${options.updates} updates each; model ${results.environment["model"]})\n`, mixSideBySide(results), "", mixWorkloadLine(results));
  out.push("\nHeadline mix, all its scenarios\n", summaryTable(results));
  out.push("\nPaired differences over the same updates, per mix\n", pairedByMix(results));
  out.push("\nPer scenario, headline mix\n", scenarioTable(results));
  for (const [size, details] of Object.entries(results.details.sizes)) out.push(`\nWhere the cost goes, ${size} (all seeds, headline mix)\n`, detailTable(details));
  if (results.policy !== null) out.push("\nThe resume policy and the hindsight oracle, headline mix\n", policyTable(results.policy));
  out.push("\nThe issue's targets at each mix\n", targetsByMix(results));
  out.push(`\n${calibrationMessage(results.calibration)}`);
}
if (results.edge !== null) out.push("\nEdge layer\n", edgeTable(results.edge), "", edgeSummary(results.edge));
out.push("\nAssumptions:", ...results.assumptions.map((a) => `- ${a}`), `\nWritten to ${options.out} (plots: ${results.plots.join(", ") || "none"}) in ${results.runtimeSeconds} s.\n`);
process.stdout.write(`${out.join("\n")}\n`);

if (results.chains.length > 0 && !results.calibration.ok) {
  process.stderr.write(`\n${calibrationMessage(results.calibration)}\n`);
  process.exitCode = 1;
}
// Everything is written and every stack stopped; yet now and then (2 of about 10 runs on
// 2026-12-06, cause not found) a handle keeps the event loop alive and the command never
// returns. Exit explicitly, once stdout has taken the tables, rather than leave it hanging.
process.stdout.write("", () => process.exit());
