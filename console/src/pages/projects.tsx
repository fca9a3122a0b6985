import type { JSX } from "preact";
import { useState } from "preact/hooks";
import type { AcceptedBody, ProjectPage, ProjectSummary } from "../api/types.ts";
import { useApp } from "../app-context.ts";
import { PromptForm } from "../components/prompt-form.tsx";
import { Empty, ErrorState, Loading } from "../components/states.tsx";
import { ago, dateTime, percent, usd } from "../lib/format.ts";
import { Link, navigate } from "../lib/navigation.tsx";
import { useInterval, useResource } from "../lib/resource.ts";
import { explainDecision } from "../lib/words.ts";

const PAGE = 20;

function queueText(p: ProjectSummary): string {
  const { queued, running } = p.queue;
  if (queued === 0 && running === 0) return "idle";
  return [running > 0 ? `${running} running` : "", queued > 0 ? `${queued} queued` : ""].filter(Boolean).join(", ");
}

function ProjectCard({ project, onQueued }: { project: ProjectSummary; onQueued: () => void }): JSX.Element {
  const { userApi } = useApp();
  const [open, setOpen] = useState(false);
  const latest = project.latestVersion;
  const decision = latest === null ? null : explainDecision(latest.resumeDecision, latest.resumeReason);
  const active = project.queue.queued + project.queue.running > 0;
  return (
    <li class="card project-card">
      <div class="project-card-head">
        <h2><Link href={`/projects/${project.id}`}>{project.name}</Link></h2>
        <span class={`badge ${active ? "badge-live" : ""}`}>{queueText(project)}</span>
      </div>
      <dl class="facts">
        <div><dt>Latest version</dt><dd>{latest === null ? "none yet" : `v${latest.number} · ${latest.kind} · ${latest.status}`}</dd></div>
        <div><dt>Session</dt><dd>{decision === null || latest?.resumeDecision === null ? "—" : decision.title}</dd></div>
        <div><dt>Resume success</dt><dd>{project.resume.tried === 0 ? "no resumes yet" : `${percent(project.resume.successRate)} of ${project.resume.tried}`}</dd></div>
        <div><dt>Cost so far</dt><dd>{usd(project.costUsd)}</dd></div>
        <div><dt>Created</dt><dd title={dateTime(project.createdAt)}>{ago(project.createdAt)}</dd></div>
      </dl>
      <button type="button" class="secondary" aria-expanded={open} aria-controls={`update-${project.id}`} onClick={() => setOpen(!open)}>
        {open ? "Close" : "Send an update"}
      </button>
      {open && (
        <div id={`update-${project.id}`}>
          <PromptForm
            id={`update-${project.id}`} label={`Update for ${project.name}`} submitLabel="Send update" busyLabel="Sending…"
            onSubmit={async (prompt) => {
              const accepted = await userApi<AcceptedBody>(`/v1/projects/${project.id}/updates`, { method: "POST", body: { prompt } });
              onQueued();
              return `Queued as v${accepted.version.number}${accepted.queue.position !== null ? ` (position ${accepted.queue.position})` : ""}.`;
            }}
          />
        </div>
      )}
    </li>
  );
}

export function ProjectsPage(): JSX.Element {
  const { userApi } = useApp();
  const [name, setName] = useState("");
  const [extra, setExtra] = useState<{ projects: ProjectSummary[]; cursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState<string | null>(null);
  const first = useResource((signal) => userApi<ProjectPage>(`/v1/projects?limit=${PAGE}`, { signal }), []);
  const loaded = first.data === null ? [] : [...first.data.projects, ...(extra?.projects ?? [])];
  const cursor = extra !== null ? extra.cursor : first.data?.nextCursor ?? null;
  const anyActive = loaded.some((p) => p.queue.queued + p.queue.running > 0);
  // Keep queue states current while something runs (only the first page is re-read).
  useInterval(() => first.reload(), 5000, anyActive && extra === null);

  const loadMore = async (): Promise<void> => {
    if (cursor === null) return;
    setMoreError(null);
    try {
      const page = await userApi<ProjectPage>(`/v1/projects?limit=${PAGE}&cursor=${encodeURIComponent(cursor)}`);
      setExtra({ projects: [...(extra?.projects ?? []), ...page.projects], cursor: page.nextCursor });
    } catch (err) {
      setMoreError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <section>
      <h1 id="page-title" tabIndex={-1}>Projects</h1>
      <div class="card">
        <h2>New project</h2>
        <PromptForm
          id="new-project" label="What should the AI build?" submitLabel="Create project" busyLabel="Creating…"
          nameField={{ label: "Project name", value: name, onInput: setName }}
          placeholder="create notes/todo.md with # Todo"
          onSubmit={async (prompt) => {
            const accepted = await userApi<AcceptedBody>("/v1/projects", { method: "POST", body: { name: name.trim(), prompt } });
            setName("");
            navigate(`/projects/${accepted.project.id}`);
            return null;
          }}
        />
      </div>
      <h2 class="section-title">Your projects</h2>
      {first.state === "loading" && <Loading label="Loading your projects…" />}
      {first.state === "error" && first.data === null && <ErrorState title="Your projects could not be loaded." error={first.error} onRetry={first.reload} />}
      {first.data !== null && loaded.length === 0 && <Empty title="No projects yet.">Create one above: the AI builds it, then every update resumes its session.</Empty>}
      {loaded.length > 0 && (
        <ul class="project-list">
          {loaded.map((p) => <ProjectCard key={p.id} project={p} onQueued={first.reload} />)}
        </ul>
      )}
      {cursor !== null && <button type="button" class="secondary" onClick={() => void loadMore()}>Load more projects</button>}
      {moreError !== null && <p class="field-error" role="alert">{moreError}</p>}
    </section>
  );
}
