// The API's JSON shapes, imported from the Worker's own types (one source of truth).
import type { JobView, ProjectView, SessionView, VersionView } from "../../../src/domain/views.ts";

export type { JobView, ProjectView, SessionView, VersionView } from "../../../src/domain/views.ts";
export type { AttemptRecord, OperationRecord, ProjectActivity, ProjectPage, ProjectSummary, UpdatePoint, UpdateSeries } from "../../../src/domain/console-views.ts";
export type { CountByKey, MetricsReport } from "../../../src/metrics/types.ts";

/** GET /v1/projects/:id */
export interface ProjectDetail {
  project: ProjectView;
  session: SessionView;
  queue: { queued: number; running: number; outbox: number };
}

/** 202 of POST /v1/projects and POST /v1/projects/:id/updates */
export interface AcceptedBody {
  project: ProjectView;
  job: JobView;
  version: { id: string; number: number };
  queue: { position: number | null };
}

export interface VersionList {
  versions: VersionView[];
}
