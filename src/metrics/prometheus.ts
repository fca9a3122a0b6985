// Prometheus text exposition format (version 0.0.4) for a MetricsReport.
import type { CountByKey, Histogram, MetricsReport, UpdateModeStats } from "./types.ts";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type MetricType = "counter" | "gauge" | "histogram" | "summary";

interface Sample {
  /** Appended to the family name: "_bucket", "_sum", "_count" or "". */
  suffix?: string;
  labels?: Record<string, string>;
  value: number | null;
}

export interface Family {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const PREFIX = "session_chain_";

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** Label names must match [a-zA-Z_][a-zA-Z0-9_]*; values are free text. */
function labels(set: Record<string, string> | undefined): string {
  const entries = Object.entries(set ?? {});
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
}

/** null (no data yet) is NaN, as Prometheus writes an empty summary's quantiles. */
function value(v: number | null): string {
  if (v === null || Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

export function render(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${f.name}${s.suffix ?? ""}${labels(s.labels)} ${value(s.value)}`);
  }
  return `${lines.join("\n")}\n`;
}

function byKey(rows: readonly CountByKey[], label: string): Sample[] {
  return rows.map((r) => ({ labels: { [label]: r.key }, value: r.count }));
}

function histogram(h: Histogram, scale = 1): Sample[] {
  return [
    ...h.buckets.map((b) => ({ suffix: "_bucket", labels: { le: b.le === null ? "+Inf" : value(b.le * scale) }, value: b.count })),
    { suffix: "_sum", value: h.sum * scale },
    { suffix: "_count", value: h.count },
  ];
}

type ModeField = "costUsd" | "durationMs";

/** Resumed and fresh updates as one summary: p50/p95 quantiles, _sum and _count per mode. */
function summary(updates: MetricsReport["updates"], field: ModeField, scale: number): Sample[] {
  const modes: Array<[string, UpdateModeStats]> = [["resumed", updates.resumed], ["fresh", updates.fresh]];
  return modes.flatMap(([mode, stats]): Sample[] => {
    const d = stats[field];
    const scaled = (v: number | null): number | null => (v === null ? null : v * scale);
    return [
      { labels: { mode, quantile: "0.5" }, value: scaled(d.p50) },
      { labels: { mode, quantile: "0.95" }, value: scaled(d.p95) },
      { suffix: "_sum", labels: { mode }, value: d.sum * scale },
      { suffix: "_count", labels: { mode }, value: stats.count },
    ];
  });
}

export function families(r: MetricsReport): Family[] {
  const f = (name: string, type: MetricType, help: string, samples: Sample[]): Family => ({ name: PREFIX + name, type, help, samples });
  return [
    f("projects", "gauge", "Projects known to Postgres.", [{ value: r.projects }]),
    f("resume_attempts_total", "counter", "Session resume attempts and decisions by outcome (session_resume_attempts).",
      Object.entries(r.resume.attempts).map(([outcome, n]) => ({ labels: { outcome }, value: n }))),
    f("resume_success_ratio", "gauge", "(resumed + forked) / attempts that tried to resume (all outcomes but stale and skipped); NaN before the first.",
      [{ value: r.resume.successRate }]),
    f("resume_fallbacks_total", "counter", "Updates that ran in a new session, by reason (decision or fallback).", byKey(r.resume.fallbacks, "reason")),
    f("version_failures_total", "counter", "Failed versions by error code.", byKey(r.failures, "code")),
    f("update_cost_usd", "summary", "Cost in USD of succeeded updates (all steps of the job), resumed versus fresh.", summary(r.updates, "costUsd", 1)),
    f("update_duration_seconds", "summary", "Engine time of succeeded updates (sum of step durations), resumed versus fresh.", summary(r.updates, "durationMs", 0.001)),
    f("session_age_at_resume_seconds", "histogram", "Time between a session's last use and the update that resumed it.", histogram(r.sessionAgeAtResumeSeconds)),
    f("session_resumed_operations_total", "counter", "Operations that started from an existing session.", [{ value: r.sessionIdChanges.resumedOperations }]),
    f("session_id_changes_total", "counter", "Operations that started from a session and returned a different session id.", [{ value: r.sessionIdChanges.changed }]),
    f("session_id_change_ratio", "gauge", "session_id_changes_total / session_resumed_operations_total; NaN before the first.", [{ value: r.sessionIdChanges.rate }]),
    f("refused_tool_calls_total", "counter", "Tool calls the runner refused before they ran (outside the workspace, or a tool not allowed).", [{ value: r.refusedToolCalls }]),
    f("cache_miss_tokens_total", "counter", "Prompt tokens written to the cache (or left uncached) that it should have served, by cause (ttl_expired, prefix_changed, below_minimum, unknown), as the runner's model proxy classified each call.", byKey(r.cacheMissTokens, "cause")),
    f("jobs_queued", "gauge", "Versions waiting in a queue.", [{ value: r.queue.queued }]),
    f("jobs_running", "gauge", "Versions being worked on.", [{ value: r.queue.running }]),
    f("outbox_dead_letters_total", "counter", "Writes Postgres refused for good (SQLSTATE class 22/23), moved to a project's dead-letter table, by write kind.", byKey(r.deadLetters.byOp, "op")),
    f("transcript_storage_bytes", "gauge", "Bytes stored in R2 under projects/ (transcripts and workspace snapshots), at most 5 minutes old while the listing keeps up.", [{ value: r.transcriptStorage.bytes }]),
    f("transcript_storage_objects", "gauge", "Objects stored in R2 under projects/.", [{ value: r.transcriptStorage.objects }]),
    f("policy_choices_total", "counter", "Succeeded updates by the resume policy's choice (resume, compact_resume, handoff, fresh).", byKey(r.policy.choices, "choice")),
    f("policy_cache_ttl_total", "counter", "Succeeded updates by the prompt-cache TTL their last step asked for.", byKey(r.policy.cacheTtl, "ttl")),
    f("policy_prediction_error_ratio", "summary", "|actual - predicted| / actual cost of updates whose chosen path ran as planned.", [
      { labels: { quantile: "0.5" }, value: r.policy.predictionError.median },
      { labels: { quantile: "0.9" }, value: r.policy.predictionError.p90 },
      { suffix: "_count", value: r.policy.predictionError.count },
    ]),
  ];
}

export function renderReport(r: MetricsReport): string {
  return render(families(r));
}
