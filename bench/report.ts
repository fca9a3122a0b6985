// The tables printed to the terminal and pasted into docs/benchmark.md (Markdown that
// reads as plain text too).
import { PAUSE_BANDS } from "./think-time.ts";
import type { PolicyResult } from "./oracle.ts";
import type { BenchResults, EdgeResult, LatencySet, ModeDetail, ModeStats } from "./types.ts";

const usd = (v: number | null | undefined): string => (v == null ? "–" : `$${v.toFixed(4)}`);
const secs = (v: number | null | undefined): string => (v == null ? "–" : `${(v / 1000).toFixed(1)} s`);
const ms = (v: number | null | undefined): string => (v == null ? "–" : v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(1)} ms`);
const pct = (v: number | null | undefined): string => (v == null ? "–" : `${(v * 100).toFixed(1)}%`);
const int = (v: number | null | undefined): string => (v == null ? "–" : Math.round(v).toLocaleString("en-US"));
const one = (v: number | null | undefined): string => (v == null ? "–" : v.toFixed(1));

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${"-".repeat(w + 1)}-` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

const costCell = (s: ModeStats | undefined): string =>
  s === undefined ? "–" : `${usd(s.costUsd.mean)} [${usd(s.costUsd.ci95?.[0])}, ${usd(s.costUsd.ci95?.[1])}]`;

export function summaryTable(r: BenchResults): string {
  const modes = Object.keys(r.summary);
  return table(["mode", "updates", "cost per update, mean [95% CI]", "wall p50", "wall p95", "context quality"], modes.map((m) => {
    const s = r.summary[m];
    return [m, String(s?.n ?? 0), costCell(s), secs(s?.wallMs.p50), secs(s?.wallMs.p95), pct(s?.qualityScore)];
  }));
}

export function scenarioTable(r: BenchResults): string {
  const modes = Object.keys(r.summary);
  const header = ["scenario", ...modes.flatMap((m) => [`${m}: cost [95% CI]`, `${m}: wall p50`, `${m}: quality`])];
  return table(header, r.scenarios.map((s) => [s.name, ...modes.flatMap((m) => [costCell(s.modes[m]), secs(s.modes[m]?.wallMs.p50), pct(s.modes[m]?.qualityScore)])]));
}

export function detailTable(details: Record<string, ModeDetail>): string {
  const modes = Object.keys(details);
  const col = (pick: (d: ModeDetail) => string): string[] => modes.map((m) => {
    const d = details[m];
    return d === undefined ? "–" : pick(d);
  });
  const steps = [...new Set(modes.flatMap((m) => Object.keys(details[m]?.costByStep ?? {})))];
  const kinds = [...new Set(modes.flatMap((m) => Object.keys(details[m]?.qualityByKind ?? {})))];
  const decisions = [...new Set(modes.flatMap((m) => Object.keys(details[m]?.decisions ?? {})))].sort();
  return table(["per update", ...modes], [
    ...PAUSE_BANDS.map((b) => [`cost after a pause ${b.name}`, ...col((d) => {
      const c = d.costByPauseBand[b.name];
      return c === undefined || c.n === 0 ? "–" : `${usd(c.mean)} (n=${c.n})`;
    })]),
    ...steps.map((s) => [`cost of the ${s} step`, ...col((d) => usd(d.costByStep[s]))]),
    ["context after the update step, tokens", ...col((d) => int(d.contextTokensAfterUpdate))],
    ["input tokens, uncached", ...col((d) => int(d.tokensPerUpdate.input))],
    ["cache write tokens", ...col((d) => int(d.tokensPerUpdate.cacheWrite))],
    ["cache read tokens", ...col((d) => int(d.tokensPerUpdate.cacheRead))],
    ["output tokens", ...col((d) => int(d.tokensPerUpdate.output))],
    ["tool calls", ...col((d) => one(d.toolCallsPerUpdate))],
    ["files read", ...col((d) => one(d.filesReadPerUpdate))],
    ...kinds.map((k) => [`done right: ${k}`, ...col((d) => {
      const q = d.qualityByKind[k];
      return q === undefined || q.n === 0 ? "–" : `${q.right}/${q.n}`;
    })]),
    ...decisions.map((k) => [`decision: ${k}`, ...col((d) => String(d.decisions[k] ?? 0))]),
    ["updates followed by compaction", ...col((d) => String(d.compactions))],
    ["resume success rate (all steps)", ...col((d) => pct(d.resumeSuccessRate))],
    ["Postgres queries (Q/Sync)", ...col((d) => one(d.postgresPerUpdate.queries))],
    ["Postgres connections", ...col((d) => one(d.postgresPerUpdate.connections))],
    ["create (not in the per-update numbers)", ...col((d) => usd(d.createCostUsd))],
  ]);
}

const mix = (counts: Record<string, number>): string => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? "–" : entries.map(([k, n]) => `${k} ${n} (${Math.round((n / total) * 100)}%)`).join(", ");
};
const ratio = (v: number | null): string => (v == null ? "–" : `${v.toFixed(2)}×`);
const signedPts = (v: number | null): string => (v == null ? "–" : `${v >= 0 ? "+" : ""}${(v * 100).toFixed(1)} points`);

/** The resume policy's own figures: prediction error, choices, TTLs, the oracle. */
export function policyTable(p: PolicyResult): string {
  const o = p.oracle;
  return table(["resume policy", "value"], [
    ["updates scored (path ran as planned) / not", `${p.scored} / ${p.unscored}`],
    ["prediction error, median / p90", `${pct(p.predictionErrorMedian)} / ${pct(p.predictionErrorP90)}`],
    ["choices", mix(p.choices)],
    ["cache TTL of the last step", mix(p.cacheTtl)],
    ["policy cost on the oracle's updates", `${usd(o.policyCostUsd)} over ${o.updates}`],
    ["hindsight oracle's cost on them", usd(o.oracleCostUsd)],
    ["policy / oracle", ratio(p.oracleCostRatio)],
    ["oracle's choices", mix(o.choices)],
    ["oracle took the policy's option", pct(o.agreement)],
    ["actual / predicted per option (n)", Object.entries(o.correction).map(([k, c]) => `${k} ${c.ratio.toFixed(2)} (${c.n})`).join(", ") || "–"],
  ]);
}

/** The issue's targets: value, target, met. */
export function targetsTable(p: PolicyResult): string {
  const value = (name: string, v: number | null): string => (name.startsWith("context quality") ? signedPts(v) : /prediction error/.test(name) ? pct(v) : ratio(v));
  return table(["target", "measured", "target", "met"], p.targets.map((t) => [t.name, value(t.name, t.value), t.target, t.met === null ? "–" : t.met ? "yes" : "no"]));
}

export function edgeTable(e: EdgeResult): string {
  const row = (name: string, s: LatencySet): string[] =>
    [name, ms(s.ms.p50), ms(s.ms.p95), ms(s.ms.p99), ms(s.ms.mean), one(s.doRpcsPerRequest), ms(s.doMs.p50), String(s.ms.n)];
  return table(["request", "p50", "p95", "p99", "mean", "DO RPCs", "DO time p50", "n"], [
    row(`update ack, ${e.projects} projects at once`, e.load.ack),
    row(`job read, ${e.projects} projects at once`, e.load.jobRead),
    row("update ack, one client, idle", e.idle.ack),
    row("job read, one client, idle", e.idle.jobRead),
  ]);
}

export function edgeSummary(e: EdgeResult): string {
  const pg = e.postgresPerUpdate;
  return [
    `${e.projects} projects, ${e.rounds} updates each, then ${e.polls} job reads each; jobs: ${e.jobs.succeeded} succeeded, ${e.jobs.failed} failed.`,
    `Postgres per update (ack + job): ${pg.queries.toFixed(1)} query round trips (Q/Sync) on ${pg.connections.toFixed(1)} new connections (${pg.handshakes.toFixed(1)} startup/auth messages).`,
  ].join("\n");
}
