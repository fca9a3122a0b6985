import { eq } from "drizzle-orm";
import type { Db } from "../client.ts";
import { projectAiSessionMetrics, projects, projectVersions, sessionResumeAttempts } from "../schema.ts";
import type { Usage } from "../../domain/views.ts";
import type { MetricOperation, ResumeDecision, ResumeOutcome, VersionKind, VersionStatus } from "../schema.ts";

// Every write the DO makes to Postgres, as plain JSON so it can wait in the DO's outbox
// (dates as ISO strings) and be replayed after a failure.
export interface VersionPatch extends Partial<Usage> {
  status?: VersionStatus;
  aiSessionId?: string | null;
  aiSessionCreatedAt?: string | null;
  aiSessionLastUsedAt?: string | null;
  resumeDecision?: ResumeDecision | null;
  resumeReason?: string | null;
  recommendations?: string[] | null;
  documentation?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  completedAt?: string | null;
}

export interface MetricRow extends Usage {
  projectId: string;
  versionId: string;
  operation: MetricOperation;
  sessionIdIn: string | null;
  sessionIdOut: string | null;
  numTurns: number;
  toolCalls: number;
  filesRead: number;
  refusedToolCalls: number;
  isResumable: boolean;
  resumeFailureCount: number;
}

export interface AttemptRow {
  projectId: string;
  versionId: string | null;
  userId: string | null;
  requestedSessionId: string | null;
  returnedSessionId: string | null;
  outcome: ResumeOutcome;
  reason: string;
  attemptNumber: number;
  errorText: string | null;
}

export type PgWrite =
  | { op: "upsert_project"; id: string; ownerUserId: string; name: string; resumeEnabled: boolean | null }
  | { op: "insert_version"; id: string; projectId: string; versionNumber: number; kind: VersionKind; prompt: string; jobId: string }
  | { op: "update_version"; id: string; patch: VersionPatch }
  | { op: "insert_metric"; row: MetricRow; key: string }
  | { op: "insert_attempt"; row: AttemptRow; key: string };

const date = (value: string | null | undefined): Date | null | undefined =>
  value === undefined ? undefined : value === null ? null : new Date(value);

export async function applyWrite(db: Db, write: PgWrite): Promise<void> {
  switch (write.op) {
    case "upsert_project":
      await db
        .insert(projects)
        .values({ id: write.id, ownerUserId: write.ownerUserId, name: write.name, resumeEnabled: write.resumeEnabled })
        .onConflictDoUpdate({ target: projects.id, set: { name: write.name, resumeEnabled: write.resumeEnabled } });
      return;
    case "insert_version":
      await db
        .insert(projectVersions)
        .values({ id: write.id, projectId: write.projectId, versionNumber: write.versionNumber, kind: write.kind, prompt: write.prompt, jobId: write.jobId })
        .onConflictDoNothing({ target: projectVersions.id });
      return;
    case "update_version": {
      const { aiSessionCreatedAt, aiSessionLastUsedAt, completedAt, ...rest } = write.patch;
      const set = {
        ...rest,
        ...(aiSessionCreatedAt !== undefined ? { aiSessionCreatedAt: date(aiSessionCreatedAt) } : {}),
        ...(aiSessionLastUsedAt !== undefined ? { aiSessionLastUsedAt: date(aiSessionLastUsedAt) } : {}),
        ...(completedAt !== undefined ? { completedAt: date(completedAt) } : {}),
      };
      await db.update(projectVersions).set(set).where(eq(projectVersions.id, write.id));
      return;
    }
    // Inserts carry a key: the outbox may send a write again after Postgres took it
    // (the DO can stop before it records the success), and it must land once.
    case "insert_metric":
      await db.insert(projectAiSessionMetrics).values({ ...write.row, dedupeKey: write.key }).onConflictDoNothing({ target: projectAiSessionMetrics.dedupeKey });
      return;
    case "insert_attempt":
      await db.insert(sessionResumeAttempts).values({ ...write.row, dedupeKey: write.key }).onConflictDoNothing({ target: sessionResumeAttempts.dedupeKey });
      return;
  }
}
