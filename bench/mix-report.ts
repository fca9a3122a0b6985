// Every figure at each workload mix, side by side (issue #15 item 4): the tables that put the
// headline mix beside the file-naming one, so no reading rests on one assumption about how
// users write. Rendered from results.json alone (the terminal, README and docs/benchmark.md).
import { mixOf, mixTitle } from "./mixes.ts";
import { pairedDifferences } from "./paired.ts";
import type { PairedDifference } from "./paired.ts";
import { pairedTable, table } from "./report.ts";
import type { BenchResults, MixResult, ModeStats } from "./types.ts";

const usd = (v: number | null | undefined): string => (v == null ? "–" : `$${v.toFixed(3)}`);
const secs = (v: number | null | undefined): string => (v == null ? "–" : `${(v / 1000).toFixed(0)} s`);
const pct = (v: number | null | undefined): string => (v == null ? "–" : `${Math.round(v * 100)}%`);
const costCi = (s: ModeStats | undefined): string =>
  s === undefined ? "–" : `${usd(s.costUsd.mean)} [${usd(s.costUsd.ci95?.[0])}, ${usd(s.costUsd.ci95?.[1])}]`;

/** The run's mixes, headline first; a results file from before mixes is its one (headline) mix. */
export function mixesOf(r: BenchResults): MixResult[] {
  if (r.mixes !== undefined && r.mixes.length > 0) return r.mixes;
  const { featureShare } = r.workload;
  return [{ mix: mixOf(featureShare).name, featureShare, workload: r.workload, scenarios: r.scenarios, summary: r.summary, details: r.details, policy: r.policy }];
}

const titleOf = (m: MixResult): string => mixTitle(mixOf(m.featureShare));

/** Per mode: cost, wall p50 and quality at every mix, side by side. */
export function mixSideBySide(r: BenchResults): string {
  const mixes = mixesOf(r);
  const modes = Object.keys(r.summary);
  const header = ["mode", ...mixes.flatMap((m) => [`cost [95% CI], ${titleOf(m)}`, `wall p50, ${titleOf(m)}`, `right, ${titleOf(m)}`])];
  return table(header, modes.map((mode) => [mode, ...mixes.flatMap((m) => {
    const s = m.summary[mode];
    return [costCi(s), secs(s?.wallMs.p50), pct(s?.qualityScore)];
  })]));
}

/** What each mix's workloads drew. */
export function mixWorkloadLine(r: BenchResults): string {
  return mixesOf(r).map((m) => {
    const w = m.workload;
    return `${titleOf(m)}: ${w.ordinaryEdits} ordinary edits per mode (${w.featureRequests} naming a feature), ${w.contextDependent} context-dependent updates`;
  }).join("; ") + ".";
}

/** The paired differences of one mix, over its own scenarios' chains. */
export function pairedOfMix(r: BenchResults, m: MixResult): PairedDifference[] {
  const names = new Set(m.scenarios.map((s) => s.name));
  return pairedDifferences(r.chains.filter((c) => names.has(c.scenario)));
}

/** One paired table per mix, each titled. */
export function pairedByMix(r: BenchResults): string {
  return mixesOf(r).map((m) => `${titleOf(m)}:\n\n${pairedTable(pairedOfMix(r, m))}`).join("\n\n");
}

/** The targets at every mix: measured per mix, the target, met per mix. */
export function targetsByMix(r: BenchResults): string {
  const mixes = mixesOf(r).filter((m) => m.policy !== null);
  const first = mixes[0]?.policy;
  if (first == null) return "The policy mode did not run: no targets.";
  const cell = (name: string, v: number | null): string =>
    v === null ? "–" : name.startsWith("context quality") ? `${v >= 0 ? "+" : ""}${(v * 100).toFixed(1)} points` : /prediction error/.test(name) ? `${(v * 100).toFixed(1)}%` : `${v.toFixed(2)}×`;
  const header = ["target", "target value", ...mixes.flatMap((m) => [`measured, ${titleOf(m)}`, "met"])];
  return table(header, first.targets.map((t) => [t.name, t.target, ...mixes.flatMap((m) => {
    const mine = m.policy?.targets.find((x) => x.name === t.name);
    return [cell(t.name, mine?.value ?? null), mine?.met == null ? "–" : mine.met ? "yes" : "no"];
  })]));
}
