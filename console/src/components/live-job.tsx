// The followed job as it happens: which step, the connection, and its log in plain words.
// Fixed height: new lines scroll inside the box, nothing around it moves.
import type { JSX } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { LiveJob } from "../live/use-live-job.ts";
import { describeEvent, stepName } from "../lib/words.ts";

const CONNECTION: Record<LiveJob["status"], string> = {
  idle: "No job yet",
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  done: "Finished",
  failed: "Not connected",
};

const STEPS_BY_KIND: Record<string, string[]> = { create: ["build", "metadata", "compact"], update: ["update", "metadata", "compact"] };

export function LiveJobPanel({ live, versionNumber, kind }: { live: LiveJob; versionNumber: number | null; kind: string | null }): JSX.Element {
  const logRef = useRef<HTMLOListElement>(null);
  const lines = live.events
    .map((e) => ({ id: e.id, type: e.type, text: describeEvent(e.type, e.data) }))
    .filter((l): l is { id: number; type: string; text: string } => l.text !== null);
  const warnings = lines.filter((l) => l.type === "warning");
  const finished = new Set(live.events.filter((e) => e.type === "step_finished").map((e) => String(e.data["step"])));
  const steps = STEPS_BY_KIND[kind ?? "update"] ?? [];

  useEffect(() => {
    const log = logRef.current;
    if (log !== null) log.scrollTop = log.scrollHeight;
  }, [lines.length]);

  const title = live.jobId === null ? "No job yet" : `Version ${versionNumber ?? "?"}${live.outcome !== null ? ` ${live.outcome}` : live.step !== null ? `: ${stepName(live.step.name)} running` : ""}`;
  return (
    <section class="card live-job" aria-labelledby="live-title">
      <div class="live-head">
        <h2 id="live-title">Live job</h2>
        <span class={`badge conn-${live.status}`} data-testid="stream-status">{CONNECTION[live.status]}</span>
      </div>
      <p class="live-summary" data-testid="live-summary">{title}</p>
      <p class="visually-hidden" aria-live="polite">{live.outcome !== null ? `Version ${versionNumber ?? ""} ${live.outcome}.` : ""}</p>
      <ol class="stepper" aria-label="Steps">
        {steps.map((s) => {
          const state = finished.has(s) ? "done" : live.step?.name === s ? "running" : "pending";
          return <li key={s} class={`step step-${state}`}><span class="step-dot" aria-hidden="true" />{stepName(s)}<span class="visually-hidden"> ({state})</span></li>;
        })}
      </ol>
      {live.detail !== null && <p class="muted small">{live.detail}</p>}
      <ol class="log" ref={logRef} aria-label="Job events" tabIndex={0} data-testid="job-log">
        {lines.length === 0 && <li class="muted">{live.jobId === null ? "Send an update to see it run here." : "Waiting for the first event…"}</li>}
        {lines.map((l) => <li key={l.id} class={`log-${l.type}`}>{l.text}</li>)}
      </ol>
      <div class="warnings" aria-label="Warnings">
        {warnings.length > 0 && <p class="warn">{warnings.length === 1 ? "1 warning" : `${warnings.length} warnings`}: {warnings.map((w) => w.text.replace(/^Warning: /, "")).join(" · ")}</p>}
      </div>
    </section>
  );
}
