// `npm run bench:readme [-- --check] [-- --results path] [-- --stale-ok]`: writes the last full
// run's figures (bench/results.json) between the markers in README.md and docs/benchmark.md,
// so quoted numbers are the file's and cannot drift. It refuses results measured on other code
// (another commit of bench/, src/policy, scripts/simulator, container/src or src/do, or a dirty
// tree) unless --stale-ok. --check changes nothing and exits 1 when either document differs
// from what the results give (run it after committing a new full run).
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { docsBlock, readmeBlock } from "./figures.ts";
import { staleReason } from "./staleness.ts";
import type { BenchResults } from "./types.ts";

const root = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));
const BEGIN = "<!-- bench:figures:begin (npm run bench:readme writes this block from bench/results.json) -->";
const END = "<!-- bench:figures:end -->";

function replaceBlock(doc: string, block: string, name: string): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${name}: no figures block (${BEGIN} … ${END})`);
  return `${doc.slice(0, start + BEGIN.length)}\n${block}\n${doc.slice(end)}`;
}

const { values } = parseArgs({ options: { check: { type: "boolean" }, results: { type: "string" }, "stale-ok": { type: "boolean" } }, strict: true });
const source = values.results ?? root("bench/results.json");
const results = JSON.parse(await readFile(source, "utf8")) as BenchResults;
const stale = values.check === true ? null : staleReason(results.commit);
if (stale !== null && values["stale-ok"] !== true) {
  process.stderr.write(`${source}: ${stale}; run the benchmark again, or pass --stale-ok to publish it anyway\n`);
  process.exit(1);
}
const targets = [
  { name: "README.md", block: readmeBlock(results) },
  { name: "docs/benchmark.md", block: docsBlock(results, "../bench") },
];
const differing: string[] = [];
for (const t of targets) {
  const before = await readFile(root(t.name), "utf8");
  const after = replaceBlock(before, t.block, t.name);
  if (after === before) continue;
  differing.push(t.name);
  if (values.check !== true) await writeFile(root(t.name), after);
}
if (values.check === true && differing.length > 0) {
  process.stderr.write(`${differing.join(" and ")} do not quote ${source}: run npm run bench:readme\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(differing.length === 0 ? "figures up to date\n" : `figures written to ${differing.join(", ")}\n`);
}
