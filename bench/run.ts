// `npm run bench [-- --tiny | --updates N --files N --projects N …]`: runs the benchmark
// (docs/benchmark.md), prints the tables and writes bench/results.json.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { runBenchmark } from "./benchmark.ts";
import { parseOptions } from "./options.ts";
import { edgeSummary, edgeTable, modesTable, targetsTable } from "./report.ts";

const defaultOut = fileURLToPath(new URL("./results.json", import.meta.url));
const options = parseOptions(process.argv.slice(2), process.env, defaultOut);
const started = Date.now();
const log = (line: string): void => {
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
};

const results = await runBenchmark(options, log);
await mkdir(dirname(options.out), { recursive: true });
await writeFile(options.out, `${JSON.stringify(results, null, 2)}\n`);

const out: string[] = [];
const { resume, fresh } = results.modes;
if (resume !== undefined && fresh !== undefined && results.comparison !== null) {
  out.push(`\nResume versus fresh: ${options.updates} updates on a ${options.files}-file project (seed ${options.seed}, model ${results.environment["model"]}, latency x${options.latencyScale}, compaction ${options.compactionPolicy})\n`);
  out.push(modesTable(resume, fresh, options.latencyScale), "", targetsTable(results.comparison.targets));
}
if (results.edge !== null) out.push(`\nEdge layer under load\n`, edgeTable(results.edge), "", edgeSummary(results.edge));
out.push("\nAssumptions:", ...results.assumptions.map((a) => `- ${a}`), `\nWritten to ${options.out} in ${((Date.now() - started) / 1000).toFixed(0)} s.\n`);
process.stdout.write(`${out.join("\n")}\n`);

const missed = results.comparison?.targets.some((t) => t.met === false) ?? false;
if (options.check && missed) process.exitCode = 1;
