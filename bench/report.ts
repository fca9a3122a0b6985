// Targets of the product plan, and the tables printed to the terminal and pasted into
// docs/benchmark.md (Markdown, readable as plain text too).
import { reduction } from "./stats.ts";
import type { BenchResults, EdgeResult, ModeResult, Target } from "./types.ts";

export function comparison(resume: ModeResult, fresh: ModeResult): NonNullable<BenchResults["comparison"]> {
  const costReduction = reduction(resume.summary.costUsd.mean, fresh.summary.costUsd.mean);
  const simulatorCostReduction = reduction(resume.summary.simulatorCostUsd.mean, fresh.summary.simulatorCostUsd.mean);
  const wallTimeReductionP50 = reduction(resume.summary.wallMs.p50, fresh.summary.wallMs.p50);
  const projectedWallTimeReductionP50 = reduction(resume.summary.projectedWallMs.p50, fresh.summary.projectedWallMs.p50);
  const rate = resume.summary.resumeSuccessRate;
  const stepOnly = reduction(resume.summary.byStep["update"]?.projectedMs.p50 ?? null, fresh.summary.byStep["update"]?.projectedMs.p50 ?? null);
  const targets: Target[] = [
    { name: "API cost per update, resumed vs fresh (mean)", target: "30-50% lower", kind: "cost", value: costReduction, met: costReduction === null ? null : costReduction >= 0.3 },
    { name: "Update wall time, resumed vs fresh (p50, projected at full model latency)", target: "40-60% faster", kind: "time", value: projectedWallTimeReductionP50, met: projectedWallTimeReductionP50 === null ? null : projectedWallTimeReductionP50 >= 0.4 },
    { name: "Update step alone (without the metadata step), p50, projected", target: "40-60% faster", kind: "time", value: stepOnly, met: stepOnly === null ? null : stepOnly >= 0.4 },
    { name: "Resume success rate", target: "> 95%", kind: "rate", value: rate, met: rate === null ? null : rate > 0.95 },
  ];
  return { costReduction, simulatorCostReduction, wallTimeReductionP50, projectedWallTimeReductionP50, targets };
}

const int = (v: number | null): string => (v === null ? "–" : Math.round(v).toLocaleString("en-US"));
const usd = (v: number | null): string => (v === null ? "–" : `$${v.toFixed(4)}`);
const ms = (v: number | null): string => (v === null ? "–" : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
const fine = (v: number | null): string => (v === null ? "–" : v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(1)} ms`);
const pct = (v: number | null): string => (v === null ? "–" : `${(v * 100).toFixed(1)}%`);
const one = (v: number | null): string => (v === null ? "–" : v.toFixed(1));
const ratio = (v: number | null): string => (v === null ? "–" : `${v.toFixed(2)}x`);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${"-".repeat(w + 1)}-` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** "-40%" style change of `a` against `b`. */
function change(a: number | null, b: number | null): string {
  const r = reduction(a, b);
  return r === null ? "" : `${r >= 0 ? "-" : "+"}${Math.abs(r * 100).toFixed(0)}%`;
}

export function modesTable(resume: ModeResult, fresh: ModeResult, latencyScale: number): string {
  const r = resume.summary;
  const f = fresh.summary;
  const row = (name: string, a: number | null, b: number | null, fmt: (v: number | null) => string, withChange = true): string[] =>
    [name, fmt(a), fmt(b), withChange ? change(a, b) : ""];
  return table(["per update", "resume", "fresh", "resume vs fresh"], [
    ["updates that resumed", `${r.resumed}/${r.updates}`, `${f.resumed}/${f.updates}`, ""],
    row("input tokens, uncached", r.tokensPerUpdate.inputUncached, f.tokensPerUpdate.inputUncached, int),
    row("cache write tokens", r.tokensPerUpdate.cacheWrite, f.tokensPerUpdate.cacheWrite, int),
    row("cache read tokens", r.tokensPerUpdate.cacheRead, f.tokensPerUpdate.cacheRead, int),
    row("output tokens", r.tokensPerUpdate.output, f.tokensPerUpdate.output, int),
    row("cost USD, mean (Claude Code total_cost_usd)", r.costUsd.mean, f.costUsd.mean, usd),
    row("cost USD, p95", r.costUsd.p95, f.costUsd.p95, usd),
    row("cost USD, mean, at the simulator's list prices", r.simulatorCostUsd.mean, f.simulatorCostUsd.mean, usd),
    row(`wall time p50 (measured, latency x${latencyScale})`, r.wallMs.p50, f.wallMs.p50, ms),
    row(`wall time p95 (measured, latency x${latencyScale})`, r.wallMs.p95, f.wallMs.p95, ms),
    row("wall time p50 (projected, latency x1)", r.projectedWallMs.p50, f.projectedWallMs.p50, ms),
    row("wall time p95 (projected, latency x1)", r.projectedWallMs.p95, f.projectedWallMs.p95, ms),
    ...(["update", "metadata", "compact"] as const).flatMap((step) => {
      const a = r.byStep[step];
      const b = f.byStep[step];
      if (a === undefined && b === undefined) return [];
      return [
        row(`${step} step: cost USD`, a?.costUsd ?? null, b?.costUsd ?? null, usd),
        row(`${step} step: output tokens`, a?.outputTokens ?? null, b?.outputTokens ?? null, int),
        row(`${step} step: time p50 (projected, latency x1)`, a?.projectedMs.p50 ?? null, b?.projectedMs.p50 ?? null, ms),
      ];
    }),
    row("model API calls", r.modelRequestsPerUpdate, f.modelRequestsPerUpdate, one),
    row("tool calls", r.toolCallsPerUpdate, f.toolCallsPerUpdate, one),
    row("files read", r.filesReadPerUpdate, f.filesReadPerUpdate, one),
    row("resume success rate (all steps)", r.resumeSuccessRate, f.resumeSuccessRate, pct, false),
    row("Postgres queries (Q/Sync)", r.postgresPerUpdate.queries, f.postgresPerUpdate.queries, one, false),
    row("Postgres connections", r.postgresPerUpdate.connections, f.postgresPerUpdate.connections, one, false),
    ["total cost of all updates", usd(r.costUsd.total), usd(f.costUsd.total), change(r.costUsd.total, f.costUsd.total)],
  ]);
}

export function targetsTable(targets: readonly Target[]): string {
  const verdict = (t: Target): string => (t.met === null ? "n/a" : t.met ? "met" : "MISSED");
  const measured = (t: Target): string => {
    if (t.value === null || t.kind === "rate") return pct(t.value);
    const [less, more] = t.kind === "cost" ? ["lower", "higher"] : ["faster", "slower"];
    return t.value >= 0 ? `${pct(t.value)} ${less}` : `${pct(-t.value)} ${more}`;
  };
  return table(["target", "goal", "measured", "verdict"], targets.map((t) => [t.name, t.target, measured(t), verdict(t)]));
}

export function edgeTable(e: EdgeResult): string {
  const rows = [
    [`POST …/updates ack vs runner PUT …/workspace/snapshot, ${e.projects} clients at once`, e.ack] as const,
    [`GET …/jobs/:id vs runner GET …/workspace, ${e.projects} clients at once`, e.jobRead] as const,
    ["POST …/updates ack vs runner PUT …/workspace/snapshot, one client, idle", e.idle.ack] as const,
    ["GET …/jobs/:id vs runner GET …/workspace, one client, idle", e.idle.jobRead] as const,
  ].map(([name, p]) => [name, fine(p.edge.p50), fine(p.edge.p99), fine(p.runner.p50), fine(p.runner.p99), ratio(p.ratioP50), ratio(p.ratioP99)]);
  return table(["request (edge vs runner directly)", "edge p50", "edge p99", "runner p50", "runner p99", "ratio p50", "ratio p99"], rows);
}

export function edgeSummary(e: EdgeResult): string {
  const pg = e.postgresPerUpdate;
  return [
    `${e.projects} projects at once, ${e.rounds} updates each (${e.ack.edge.n} acks), ${e.polls} job reads each (${e.jobRead.edge.n} reads); jobs: ${e.jobs.succeeded} succeeded, ${e.jobs.failed} failed.`,
    `Postgres per update (ack + job, all steps): ${pg.queries.toFixed(1)} query round trips (Q/Sync) on ${pg.connections.toFixed(1)} new connections (${pg.handshakes.toFixed(1)} startup/auth messages).`,
  ].join("\n");
}
