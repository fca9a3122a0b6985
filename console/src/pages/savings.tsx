import type { JSX } from "preact";
import type { CountByKey, MetricsReport, UpdateSeries } from "../api/types.ts";
import { useApp } from "../app-context.ts";
import { Chart } from "../charts/chart.tsx";
import { ageBuckets, change, policySavings, splitByMode, summarize } from "../charts/savings-data.ts";
import type { PolicyComparison, PolicySavings, SeriesPoint } from "../charts/savings-data.ts";
import { Empty, ErrorState, Loading } from "../components/states.tsx";
import { cacheHitRatio, dateTime, duration, percent, relativeDifference, seconds, tokens, usd } from "../lib/format.ts";
import { useResource } from "../lib/resource.ts";
import { explainDecision, fallbackKey, outcomeText } from "../lib/words.ts";

// Colours chosen for contrast on white and for red-green colour blindness (blue / orange).
const RESUMED = "#1f5fbf";
const FRESH = "#c2560c";
const PREDICTED = "#5b5b5b";
const ACTUAL = "#1b2233";

/** Bucket bounds as axis labels short enough for a phone: 10s, 5m, 1h, 7d. */
function shortAge(sec: number): string {
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.round(sec / 60)}m`;
  if (sec < 86_400) return `${Math.round(sec / 3600)}h`;
  return `${Math.round(sec / 86_400)}d`;
}

function Tile({ label, value, detail }: { label: string; value: string; detail: string }): JSX.Element {
  return (
    <div class="tile">
      <p class="tile-label">{label}</p>
      <p class="tile-value">{value}</p>
      <p class="tile-detail muted small">{detail}</p>
    </div>
  );
}

function Bars({ id, title, rows, empty, label }: { id: string; title: string; rows: CountByKey[]; empty: string; label: (key: string) => string }): JSX.Element {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{title}</h3>
      {rows.length === 0 ? <p class="muted">{empty}</p> : (
        <table class="bars">
          <thead class="visually-hidden"><tr><th scope="col">What</th><th scope="col">Count</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <th scope="row">{label(r.key)}</th>
                <td><span class="bar" style={{ width: `${Math.round((r.count / max) * 100)}%` }} aria-hidden="true" /><span class="bar-count">{r.count}</span></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function pointLines(p: SeriesPoint, scopeAll: boolean): string[] {
  const decision = explainDecision(p.mode === "resumed" ? "resume" : "fresh", p.reason);
  return [
    `${scopeAll ? `${p.projectName} ` : `${p.projectName} `}v${p.versionNumber} · ${p.mode}`,
    `Cost ${usd(p.costUsd)} · time ${duration(p.durationMs)}`,
    `Cache hits ${percent(cacheHitRatio(p))} (read ${tokens(p.cacheReadInputTokens)}, write ${tokens(p.cacheCreationInputTokens)})`,
    ...(typeof p.predictedCostUsd === "number" ? [`Predicted ${usd(p.predictedCostUsd)}${p.policyChoice ? ` · policy: ${p.policyChoice}` : ""}`] : []),
    p.mode === "resumed" ? `Session age ${seconds(p.sessionAgeSeconds)}` : `${decision.title}: ${decision.reason}`,
    dateTime(p.completedAt),
  ];
}

function updateTable(points: SeriesPoint[]): { columns: string[]; rows: string[][] } {
  return {
    columns: ["Finished", "Project", "Version", "Mode", "Cost", "Time", "Cache hits", "Session age"],
    rows: points.map((p) => [dateTime(p.completedAt), p.projectName, `v${p.versionNumber}`, p.mode, usd(p.costUsd), duration(p.durationMs), percent(cacheHitRatio(p)), seconds(p.sessionAgeSeconds)]),
  };
}

const estimate = (value: number, predicted: boolean): string => `${usd(value)}${predicted ? " (predicted)" : " (actual)"}`;

function comparisonLines(c: PolicyComparison): string[] {
  const p = c.point;
  return [
    `${p.projectName} v${p.versionNumber} · policy chose ${p.policyChoice ?? "—"} · ran ${p.mode}`,
    `Actual ${usd(c.actual)}`,
    `Always fresh ${estimate(c.alwaysFresh, c.freshPredicted)}`,
    `Always resume ${estimate(c.alwaysResume, c.resumePredicted)}${p.predictedResumeCostUsd === null ? " · resume was ruled out" : ""}`,
    dateTime(p.completedAt),
  ];
}

function comparisonTable(savings: PolicySavings): { columns: string[]; rows: string[][] } {
  return {
    columns: ["Finished", "Project", "Version", "Policy chose", "Actual", "Always fresh", "Always resume", "Saved vs fresh, so far", "Saved vs resume, so far"],
    rows: savings.updates.map((c, i) => [
      dateTime(c.point.completedAt), c.point.projectName, `v${c.point.versionNumber}`, c.point.policyChoice ?? "—", usd(c.actual),
      estimate(c.alwaysFresh, c.freshPredicted), estimate(c.alwaysResume, c.resumePredicted),
      usd((savings.cumulative.alwaysFresh[i] ?? 0) - (savings.cumulative.actual[i] ?? 0)),
      usd((savings.cumulative.alwaysResume[i] ?? 0) - (savings.cumulative.actual[i] ?? 0)),
    ]),
  };
}

/** The policy's total against one always-the-same rule: "22% lower", with the dollars. */
function versusTile(label: string, savings: PolicySavings, baseline: number[]): JSX.Element {
  const actual = savings.cumulative.actual.at(-1);
  const other = baseline.at(-1);
  const saved = actual === undefined || other === undefined ? null : other - actual;
  return (
    <Tile label={label} value={relativeDifference(change(actual, other))}
      detail={saved === null ? "no update with a policy record yet" : `${saved >= 0 ? "saved" : "lost"} ${usd(Math.abs(saved))}: ${usd(actual)} actual vs ${usd(other)} over ${savings.updates.length} update${savings.updates.length === 1 ? "" : "s"}`} />
  );
}

export function SavingsView({ scope }: { scope: "owner" | "all" }): JSX.Element {
  const { userApi, adminApi } = useApp();
  const api = scope === "all" ? adminApi : userApi;
  const report = useResource((signal) => api<MetricsReport>("/v1/metrics", { signal }), [scope]);
  const series = useResource((signal) => api<UpdateSeries>("/v1/metrics/updates?limit=500", { signal }), [scope]);

  if (report.state === "loading" || series.state === "loading") return <Loading label="Loading the savings…" minHeight={600} />;
  if (report.data === null || series.data === null) {
    const error = report.error ?? series.error ?? new Error("unknown error");
    return <ErrorState title="The savings could not be loaded." error={error} onRetry={() => { report.reload(); series.reload(); }} minHeight={600} />;
  }
  const m = report.data;
  const points: SeriesPoint[] = series.data.updates;
  const s = summarize(m, points);
  const scopeAll = scope === "all";
  const cost = splitByMode(points, (p) => p.costUsd);
  const time = splitByMode(points, (p) => p.durationMs);
  const hits = splitByMode(points, (p) => cacheHitRatio(p));
  const ages = ageBuckets(m, shortAge);
  const modeSeries = (t: typeof cost) => [
    { label: "Resumed", color: RESUMED, values: t.resumed, style: "points" as const },
    { label: "Fresh", color: FRESH, values: t.fresh, style: "points" as const },
  ];
  const table = updateTable(points);
  const policy = policySavings(points);
  const px = policy.updates.map((c) => Date.parse(c.point.completedAt) / 1000);
  const policyTip = (i: number): string[] => { const c = policy.updates[i]; return c === undefined ? [] : comparisonLines(c); };
  const policyTable = comparisonTable(policy);
  const uncounted = policy.uncounted > 0 ? ` ${policy.uncounted} update${policy.uncounted === 1 ? "" : "s"} without a policy record left out.` : "";

  return (
    <>
      <div class="tiles">
        {versusTile("Policy vs always fresh", policy, policy.cumulative.alwaysFresh)}
        {versusTile("Policy vs always resume", policy, policy.cumulative.alwaysResume)}
        <Tile label="Resumed vs fresh, cost" value={relativeDifference(s.costChange)}
          detail={`resumed ${usd(s.resumedMeanCost)} vs fresh ${usd(s.freshMeanCost)} (mean)`} />
        <Tile label="Resumed vs fresh, time" value={relativeDifference(s.timeChange, { below: "faster", above: "slower" })}
          detail={`resumed ${duration(s.resumedP50Ms)} vs fresh ${duration(s.freshP50Ms)} (median)`} />
        <Tile label="Resume success" value={percent(m.resume.successRate)} detail={`${m.resume.succeeded} of ${m.resume.tried} tries`} />
        <Tile label="Cache hit ratio" value={percent(s.cacheHitRatio)} detail={`over the ${points.length} latest updates`} />
        <Tile label="Updates" value={`${m.updates.resumed.count + m.updates.fresh.count}`} detail={`${m.updates.resumed.count} resumed, ${m.updates.fresh.count} fresh · ${m.projects} project${m.projects === 1 ? "" : "s"}`} />
      </div>
      {points.length === 0 && <Empty title="No updates yet." minHeight={60}>Charts fill in as updates finish. A project's first build is not an update.</Empty>}
      <div class="charts">
        <Chart id="saved" title="What the policy saved, summed over time"
          description={`Running total of what the updates cost (black) beside what always starting fresh (orange) or always resuming (blue) would have cost: the options not taken as the policy predicted them.${uncounted}`}
          x={px} xKind="time" formatY={(v) => usd(v)}
          series={[
            { label: "Actual", color: ACTUAL, values: policy.cumulative.actual, style: "line" },
            { label: "Always fresh", color: FRESH, values: policy.cumulative.alwaysFresh, style: "line", dash: [6, 4] },
            { label: "Always resume", color: RESUMED, values: policy.cumulative.alwaysResume, style: "line", dash: [2, 3] },
          ]}
          tooltip={policyTip} table={policyTable} />
        <Chart id="options" title="Each update: actual cost and the options not taken"
          description="Black: what the update cost. Orange and blue: what always-fresh and always-resume would have cost (predicted unless the policy took that option)."
          x={px} xKind="time" formatY={(v) => usd(v)}
          series={[
            { label: "Actual", color: ACTUAL, values: policy.updates.map((c) => c.actual), style: "points" },
            { label: "Always fresh", color: FRESH, values: policy.updates.map((c) => c.alwaysFresh), style: "points" },
            { label: "Always resume", color: RESUMED, values: policy.updates.map((c) => c.alwaysResume), style: "points" },
          ]}
          tooltip={policyTip} table={policyTable} />
        <Chart id="cost" title="Cost per update" description="Each dot is one succeeded update, resumed (blue) or fresh (orange)."
          x={cost.x} xKind="time" formatY={(v) => usd(v)}
          series={[...modeSeries(cost), ...(cost.predicted !== null ? [{ label: "Predicted", color: PREDICTED, values: cost.predicted, style: "points" as const }] : [])]}
          tooltip={(i) => { const p = points[i]; return p === undefined ? [] : pointLines(p, scopeAll); }} table={table} />
        <Chart id="time" title="Time per update" description="Engine time of each succeeded update (all its steps)."
          x={time.x} xKind="time" formatY={(v) => duration(v)} series={modeSeries(time)}
          tooltip={(i) => { const p = points[i]; return p === undefined ? [] : pointLines(p, scopeAll); }} table={table} />
        <Chart id="cache" title="Cache hit ratio per update" description="Share of prompt tokens read from the cache: high when a warm session is resumed."
          x={hits.x} xKind="time" formatY={(v) => percent(v)} yRange={[0, 1]} series={modeSeries(hits)}
          tooltip={(i) => { const p = points[i]; return p === undefined ? [] : pointLines(p, scopeAll); }} table={table} />
        <Chart id="age" title="Session age at resume" description="How long the resumed session had been idle. Past 5 minutes the prompt cache has expired."
          x={ages.labels.map((_, i) => i)} xKind="category" categories={ages.labels} formatY={(v) => String(v)} integerY
          series={[{ label: "Updates", color: RESUMED, values: ages.counts, style: "bars" }]}
          tooltip={(i) => [`${ages.labels[i] ?? ""}: ${ages.counts[i] ?? 0} update${ages.counts[i] === 1 ? "" : "s"}`]}
          table={{ columns: ["Idle time", "Updates"], rows: ages.labels.map((l, i) => [l, String(ages.counts[i] ?? 0)]) }} />
      </div>
      <div class="grid-3">
        <Bars id="outcomes" title="Resume attempts by outcome" empty="No resume attempts yet." label={outcomeText}
          rows={Object.entries(m.resume.attempts).filter(([, n]) => n > 0).map(([key, count]) => ({ key, count }))} />
        <Bars id="fallbacks" title="Updates in a new session, by reason" empty="Every update resumed its session." label={fallbackKey} rows={m.resume.fallbacks} />
        <Bars id="failures" title="Failed versions, by error" empty="No failures." label={(k) => k.replace(/_/g, " ")} rows={m.failures} />
      </div>
      <p class="muted small">Generated {dateTime(m.generatedAt)} · transcripts and snapshots in storage: {tokens(m.transcriptStorage.objects)} objects, {(m.transcriptStorage.bytes / 1e6).toFixed(1)} MB · queue: {m.queue.running} running, {m.queue.queued} queued.</p>
    </>
  );
}

export function SavingsPage({ scope }: { scope: "owner" | "all" }): JSX.Element {
  return (
    <section>
      <h1 id="page-title" tabIndex={-1}>{scope === "all" ? "Savings across all projects" : "Savings"}</h1>
      <p class="muted">What the resume policy saved: each update's cost beside what always starting fresh or always resuming would have cost, then cost and time of every update, resumed versus fresh.</p>
      <SavingsView scope={scope} />
    </section>
  );
}
