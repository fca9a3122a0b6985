// The figures README.md and docs/benchmark.md quote, rendered from a results.json so that
// they are the run's own numbers, never retyped (`npm run bench:readme`, bench/readme.ts).
// Per-size figures are recomputed from the chains with the run's own statistics code, so a
// results.json written before `details.sizes` existed renders the same way.
import { modeDetail, modeStats } from "./aggregate.ts";
import { calibrationMessage } from "./calibration.ts";
import { mixesOf, mixSideBySide, mixWorkloadLine, pairedByMix, targetsByMix } from "./mix-report.ts";
import { mixOf, mixTitle } from "./mixes.ts";
import { detailTable, edgeSummary, edgeTable, policyTable, scenarioTable, summaryTable, table } from "./report.ts";
import { PAUSE_BANDS } from "./think-time.ts";
import type { BenchResults, ChainResult, ModeStats } from "./types.ts";

const usd = (v: number | null | undefined): string => (v == null ? "–" : `$${v.toFixed(3)}`);
const pct = (v: number | null | undefined): string => (v == null ? "–" : `${Math.round(v * 100)}%`);
const secs = (v: number | null | undefined): string => (v == null ? "–" : `${(v / 1000).toFixed(0)} s`);
const ms = (v: number | null | undefined): string => (v == null ? "–" : `${v.toFixed(0)} ms`);
const costCi = (s: ModeStats | undefined): string =>
  s === undefined ? "–" : `${usd(s.costUsd.mean)} [${usd(s.costUsd.ci95?.[0])}, ${usd(s.costUsd.ci95?.[1])}]`;

const modesOf = (r: BenchResults): string[] => Object.keys(r.summary);
const sizesOf = (r: BenchResults): number[] => [...new Set(r.scenarios.map((s) => s.files))].sort((a, b) => a - b);

function chainsOf(r: BenchResults, files: number, mode: string): ChainResult[] {
  const names = new Set(r.scenarios.filter((s) => s.files === files).map((s) => s.name));
  return r.chains.filter((c) => c.mode === mode && names.has(c.scenario));
}

/** Mode statistics over one project size's scenarios (each scenario resampled on its own, as in the summary). */
export function sizeStats(r: BenchResults, files: number, mode: string): ModeStats {
  return modeStats(chainsOf(r, files, mode).map((c) => c.updates));
}

function numberOf(v: unknown): number | null {
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : null;
}

/** COMPACTION_THRESHOLD_TOKENS as the run had it: one for every size, or each size's own. */
function compactionOf(r: BenchResults): string {
  const common = r.config["commonVars"];
  const shared = typeof common === "object" && common !== null && "COMPACTION_THRESHOLD_TOKENS" in common ? numberOf(common.COMPACTION_THRESHOLD_TOKENS) : null;
  if (shared !== null) return `${shared.toLocaleString("en-US")} tokens in every scenario`;
  const sizes = r.config["sizes"];
  if (!Array.isArray(sizes)) return "unknown";
  const per: string[] = sizes.flatMap((s: unknown) => {
    if (typeof s !== "object" || s === null || !("files" in s) || !("compactionThreshold" in s)) return [];
    return [`${String(s.files)} files: ${numberOf(s.compactionThreshold)?.toLocaleString("en-US") ?? "?"}`];
  });
  return per.length === 0 ? "unknown" : `${per.join(", ")} tokens`;
}

/** One line: what was run, when, where and how long. */
export function runLine(r: BenchResults): string {
  const seeds = [...new Set(r.scenarios.map((s) => s.seed))].join(", ");
  const updates = [...new Set(r.scenarios.map((s) => s.updates))].join("/");
  const sizes = sizesOf(r).map((f) => `${f}`).join(" and ");
  const mixes = mixesOf(r).map((m) => mixTitle(mixOf(m.featureShare))).join(" and ");
  return `Run of ${r.generatedAt.slice(0, 16).replace("T", " ")} UTC: projects of ${sizes} files × seeds ${seeds} × modes ${modesOf(r).join(", ")} × workload mixes ${mixes} (the headline first), ` +
    `${updates} updates per chain after the create; compaction threshold ${compactionOf(r)}; ` +
    `${Math.round(r.runtimeSeconds / 60)} min on ${String(r.environment["cpus"] ?? "?")} cores; ${String(r.environment["engine"] ?? "?")}, ` +
    `the simulator answering as ${String(r.environment["model"] ?? "?")}.`;
}

const PAIRED_INTRO = "Paired differences over the same updates (same scenario, same update index: the same request in both modes); negative is cheaper or faster; 95% seeded bootstrap intervals resampled within each scenario, in parentheses the share of the second mode's mean:";

/** Mean cost over the share done right; null when quality was not measured or nothing was right. */
function perRight(s: ModeStats | undefined): number | null {
  const q = s?.qualityScore;
  const mean = s?.costUsd.mean;
  return mean == null || q == null || q === 0 ? null : mean / q;
}

/** The README's block: headline per mode, the split by project size and by pause, calibration, edge. */
export function readmeBlock(r: BenchResults): string {
  const modes = modesOf(r);
  const sizes = sizesOf(r);
  const head = table(
    ["per update", ...modes],
    [
      ["cost, mean [95% CI], all scenarios", ...modes.map((m) => costCi(r.summary[m]))],
      ...sizes.map((f) => [`cost, ${f}-file project`, ...modes.map((m) => costCi(sizeStats(r, f, m)))]),
      ...PAUSE_BANDS.map((b) => [`cost after a pause ${b.name}`, ...modes.map((m) => usd(r.details.summary[m]?.costByPauseBand[b.name]?.mean))]),
      ["wall time p50 (model at full speed)", ...modes.map((m) => secs(r.summary[m]?.wallMs.p50))],
      ["context quality (updates done right)", ...modes.map((m) => pct(r.summary[m]?.qualityScore))],
      ...sizes.map((f) => [`context quality, ${f}-file project`, ...modes.map((m) => pct(sizeStats(r, f, m).qualityScore))]),
      // A wrong update is paid and then asked again: what each right one costs, all told.
      ["cost per update done right (mean ÷ quality)", ...modes.map((m) => usd(perRight(r.summary[m])))],
      ["updates", ...modes.map((m) => String(r.summary[m]?.n ?? 0))],
    ],
  );
  const headline = mixesOf(r)[0];
  const headTitle = headline === undefined ? "" : `, ${mixTitle(mixOf(headline.featureShare))}`;
  // Side by side only says something when the run measured more than one mix.
  const sideBySide = mixesOf(r).length > 1 ? ["Every mode at each workload mix, side by side:", "", mixSideBySide(r), ""] : [];
  const lines = [runLine(r), "", `Headline mix${headTitle}:`, "", head, "", ...sideBySide, mixWorkloadLine(r), "", PAIRED_INTRO, "", pairedByMix(r)];
  // A results.json from before the policy mode has no `policy`.
  if (r.policy != null) lines.push("", "The resume policy against the issue's targets at each mix (the hindsight oracle: docs/benchmark.md):", "", targetsByMix(r));
  lines.push("", `${calibrationMessage(r.calibration)}.`);
  const e = r.edge;
  if (e !== null) {
    lines.push("", `Edge layer (${e.projects} projects at once on the fake runner): update ack p50 ${ms(e.idle.ack.ms.p50)} idle, ${ms(e.load.ack.ms.p50)} under load; ` +
      `job read p50 ${ms(e.idle.jobRead.ms.p50)} idle, ${ms(e.load.jobRead.ms.p50)} under load; ${e.load.ack.doRpcsPerRequest ?? "–"} Durable Object RPC per request; ` +
      `${e.postgresPerUpdate.queries.toFixed(0)} Postgres queries on ${e.postgresPerUpdate.connections.toFixed(1)} connections per update.`);
  }
  return lines.join("\n");
}

/** docs/benchmark.md's results section: every table the run prints, the plots, its assumptions. */
export function docsBlock(r: BenchResults, plotDir: string): string {
  const modes = modesOf(r);
  const out = [`### Results of the last full run\n`, runLine(r), "", "Every mode at each workload mix, side by side:", "", mixSideBySide(r), "", mixWorkloadLine(r), "", "Headline mix:", "", summaryTable(r), "", PAIRED_INTRO, "", pairedByMix(r), "", "Per scenario, headline mix:", "", scenarioTable(r)];
  for (const f of sizesOf(r)) {
    const details = Object.fromEntries(modes.map((m) => [m, modeDetail(chainsOf(r, f, m))]));
    out.push("", `Where the cost goes, ${f}-file project (all seeds, headline mix):`, "", detailTable(details));
  }
  for (const m of mixesOf(r)) {
    if (m.policy != null) out.push("", `The resume policy and the hindsight oracle, ${mixTitle(mixOf(m.featureShare))}:`, "", policyTable(m.policy));
  }
  if (r.policy != null) out.push("", "The issue's targets at each mix:", "", targetsByMix(r));
  out.push("", `${calibrationMessage(r.calibration)}.`);
  if (r.plots.length > 0) out.push("", ...r.plots.map((p) => `![${p}](${plotDir}/${p})`));
  if (r.edge !== null) out.push("", "Edge layer:", "", edgeTable(r.edge), "", edgeSummary(r.edge));
  out.push("", "Assumptions as the run recorded them:", "", ...r.assumptions.map((a) => `- ${a}`));
  return out.join("\n");
}
