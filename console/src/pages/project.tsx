import type { JSX } from "preact";
import { useMemo, useRef, useState } from "preact/hooks";
import type { AcceptedBody, ProjectActivity, ProjectDetail, SessionView, VersionList, VersionView } from "../api/types.ts";
import { useApp } from "../app-context.ts";
import { ChainGraphView, ChainLegend } from "../chain/chain-graph.tsx";
import { buildChain } from "../chain/model.ts";
import { LiveJobPanel } from "../components/live-job.tsx";
import { PromptForm } from "../components/prompt-form.tsx";
import { Empty, ErrorState, Loading } from "../components/states.tsx";
import { useLiveJob } from "../live/use-live-job.ts";
import type { JobEvent } from "../live/job-stream.ts";
import { ago, cacheHitRatio, dateTime, percent, seconds, shortId, usd } from "../lib/format.ts";
import { Link } from "../lib/navigation.tsx";
import { useInterval, useResource } from "../lib/resource.ts";

/** Events after which the chain, the versions or the queue have changed. */
const CHANGES = new Set(["running", "decision", "fallback", "session_changed", "step_finished", "succeeded", "failed"]);

function SessionCard({ session, projectId, resumeOverride, onChanged }: { session: SessionView; projectId: string; resumeOverride: boolean | null; onChanged: () => void }): JSX.Element {
  const { userApi } = useApp();
  const [message, setMessage] = useState<string | null>(null);
  const setOverride = async (value: string): Promise<void> => {
    const resumeEnabled = value === "on" ? true : value === "off" ? false : null;
    try {
      await userApi(`/v1/projects/${projectId}`, { method: "PATCH", body: { resumeEnabled } });
      setMessage("Saved.");
      onChanged();
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  };
  const reset = async (): Promise<void> => {
    if (!confirm("Start the next update in a fresh session? The current session stays in the history.")) return;
    try {
      await userApi(`/v1/projects/${projectId}/session/reset`, { method: "POST" });
      setMessage("The next update starts fresh.");
      onChanged();
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <section class="card" aria-labelledby="session-title">
      <h2 id="session-title">Session</h2>
      <dl class="facts">
        <div><dt>Head</dt><dd title={session.headSessionId ?? ""}><code>{shortId(session.headSessionId)}</code>{session.headVersionNumber !== null && ` (v${session.headVersionNumber})`}</dd></div>
        <div><dt>Age</dt><dd>{seconds(session.ageSeconds)}</dd></div>
        <div><dt>Last used</dt><dd title={dateTime(session.lastUsedAt)}>{ago(session.lastUsedAt)}</dd></div>
        <div><dt>Resumable</dt><dd>{session.resumable ? "yes" : "no: the next update starts fresh"}</dd></div>
        <div><dt>Failures</dt><dd>{session.failureCount}</dd></div>
        <div><dt>Reset</dt><dd>{session.resetPending ? "pending: the next update starts fresh" : "no"}</dd></div>
      </dl>
      <div class="controls">
        <label for="resume-override">Resume for this project</label>
        <select id="resume-override" value={resumeOverride === null ? "default" : resumeOverride ? "on" : "off"} onChange={(e) => void setOverride(e.currentTarget.value)}>
          <option value="default">Follow the service setting</option>
          <option value="on">Always try to resume</option>
          <option value="off">Never resume (fresh sessions)</option>
        </select>
        <button type="button" class="secondary" onClick={() => void reset()}>Reset session</button>
        <span class="muted small" aria-live="polite">{message ?? ""}</span>
      </div>
    </section>
  );
}

function QueueCard({ versions, outbox }: { versions: VersionView[]; outbox: number }): JSX.Element {
  const waiting = versions.filter((v) => v.status === "queued" || v.status === "running");
  const shown = waiting.slice(0, 3);
  return (
    <section class="card queue" aria-labelledby="queue-title">
      <h2 id="queue-title">Queue</h2>
      {waiting.length === 0 ? <p class="muted">Nothing waiting: the next update starts at once.</p> : (
        <ol>
          {shown.map((v) => <li key={v.id}><strong>v{v.versionNumber}</strong> {v.status === "running" ? "running" : "waiting"}: <span class="muted">{v.prompt.length > 60 ? `${v.prompt.slice(0, 60)}…` : v.prompt}</span></li>)}
          {waiting.length > shown.length && <li class="muted">and {waiting.length - shown.length} more</li>}
        </ol>
      )}
      {outbox > 0 && <p class="muted small">{outbox} write{outbox === 1 ? "" : "s"} to Postgres pending (retried automatically).</p>}
    </section>
  );
}

export function ProjectPage({ projectId }: { projectId: string }): JSX.Element {
  const { userApi, auth, setAuth } = useApp();
  const detail = useResource((signal) => userApi<ProjectDetail>(`/v1/projects/${projectId}`, { signal }), [projectId]);
  const versions = useResource((signal) => userApi<VersionList>(`/v1/projects/${projectId}/versions`, { signal }), [projectId]);
  const activity = useResource((signal) => userApi<ProjectActivity>(`/v1/projects/${projectId}/activity`, { signal }), [projectId]);
  const [sentJob, setSentJob] = useState<string | null>(null);

  const reloadAll = (): void => {
    detail.reload();
    versions.reload();
    activity.reload();
  };
  // Several events can arrive at once: reload once after they settle.
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const onEvent = (event: JobEvent): void => {
    if (!CHANGES.has(event.type)) return;
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(reloadAll, 250);
  };

  const list = versions.data?.versions ?? [];
  const running = list.find((v) => v.status === "running");
  const queued = list.find((v) => v.status === "queued");
  const latest = list[list.length - 1];
  const followed = running ?? queued ?? list.find((v) => v.jobId === sentJob) ?? latest ?? null;
  const live = useLiveJob(projectId, followed?.jobId ?? sentJob, auth.user?.token ?? "", onEvent, () => setAuth({ ...auth, user: null }));
  // The queue as a safety net (a job queued elsewhere): re-read while anything waits.
  useInterval(reloadAll, 5000, running !== undefined || queued !== undefined);

  const graph = useMemo(() => buildChain({
    operations: activity.data?.operations ?? [],
    attempts: activity.data?.attempts ?? [],
    versions: list,
    headSessionId: detail.data?.session.headSessionId ?? null,
    live: live.step !== null && followed !== null && live.outcome === null ? { versionNumber: followed.versionNumber, step: live.step.name, sessionIdIn: live.step.sessionIdIn } : null,
  }), [activity.data, list, detail.data, live.step, live.outcome, followed]);

  if (detail.state === "loading") return <Loading label="Loading the project…" minHeight={400} />;
  if (detail.data === null) {
    const notFound = detail.error !== null && "status" in detail.error && detail.error.status === 404;
    return (
      <section>
        <h1 id="page-title" tabIndex={-1}>{notFound ? "Project not found" : "Project"}</h1>
        {notFound ? <Empty title="There is no such project, or it belongs to someone else."><p><Link href="/">Back to your projects</Link></p></Empty>
          : <ErrorState title="The project could not be loaded." error={detail.error ?? new Error("unknown error")} onRetry={reloadAll} />}
      </section>
    );
  }
  const { project, session, queue } = detail.data;
  const totalCost = list.reduce((sum, v) => sum + v.usage.costUsd, 0);
  const ops = activity.data?.operations ?? [];
  const hit = cacheHitRatio(ops.reduce((a, o) => ({ inputTokens: a.inputTokens + o.inputTokens, cacheCreationInputTokens: a.cacheCreationInputTokens + o.cacheCreationInputTokens, cacheReadInputTokens: a.cacheReadInputTokens + o.cacheReadInputTokens }), { inputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 }));

  return (
    <section>
      <p class="crumbs"><Link href="/">Projects</Link> /</p>
      <h1 id="page-title" tabIndex={-1}>{project.name}</h1>
      <p class="muted small"><code>{project.id}</code> · created {dateTime(project.createdAt)} · {project.latestVersionNumber} version{project.latestVersionNumber === 1 ? "" : "s"} · {usd(totalCost)} so far · cache hits {percent(hit)}</p>
      {detail.state === "error" && <p class="notice" role="alert">Showing the last data: {detail.error.message}</p>}

      <div class="grid-2">
        <SessionCard session={session} projectId={projectId} resumeOverride={project.resumeOverride} onChanged={reloadAll} />
        <QueueCard versions={list} outbox={queue.outbox} />
      </div>

      <div class="grid-2">
        <section class="card" aria-labelledby="send-title">
          <h2 id="send-title">Send an update</h2>
          <PromptForm
            id="update" label="What should change?" submitLabel="Send update" busyLabel="Sending…"
            placeholder="append to notes/todo.md: - buy milk"
            onSubmit={async (prompt) => {
              const accepted = await userApi<AcceptedBody>(`/v1/projects/${projectId}/updates`, { method: "POST", body: { prompt } });
              setSentJob(accepted.job.id);
              reloadAll();
              return `Queued as v${accepted.version.number}${accepted.queue.position !== null && accepted.queue.position > 1 ? `, position ${accepted.queue.position} in the queue` : ""}.`;
            }}
          />
        </section>
        <LiveJobPanel live={live} versionNumber={followed?.versionNumber ?? null} kind={followed?.kind ?? null} />
      </div>

      <section aria-labelledby="chain-title">
        <h2 id="chain-title" class="section-title">Versions and session chain</h2>
        <ChainLegend />
        {versions.state === "loading" || activity.state === "loading" ? <Loading label="Loading the versions and the chain…" minHeight={200} />
          : versions.data === null ? <ErrorState title="The versions could not be loaded." error={versions.error ?? new Error("unknown error")} onRetry={reloadAll} />
          : list.length === 0 ? <Empty title="No versions yet." />
          : (
            <>
              {activity.state === "error" && <p class="notice" role="alert">Per-operation numbers are unavailable: {activity.error.message}</p>}
              <ChainGraphView graph={graph} />
            </>
          )}
      </section>
    </section>
  );
}
