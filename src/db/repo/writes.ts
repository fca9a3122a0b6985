import { eq, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { MissingRowError, ParentRowMissingError } from "../errors.ts";
import { outboxDeadLetters, projectAiSessionMetrics, projects, projectVersions, sessionResumeAttempts } from "../schema.ts";
import type { Usage } from "../../domain/views.ts";
import type { CacheReport } from "../../runner/protocol.ts";
import type { MetricOperation, PolicyChoice, ResumeDecision, ResumeOutcome, SessionPolicySetting, VersionKind, VersionStatus } from "../schema.ts";

// Every write the DO makes to Postgres, as plain JSON so it can wait in the DO's outbox
// (dates as ISO strings) and be replayed after a failure.
export interface VersionPatch extends Partial<Usage> {
  status?: VersionStatus;
  aiSessionId?: string | null;
  aiSessionCreatedAt?: string | null;
  aiSessionLastUsedAt?: string | null;
  resumeDecision?: ResumeDecision | null;
  cacheNote?: string | null;
  resumeReason?: string | null;
  recommendations?: string[] | null;
  documentation?: string | null;
  documentationFromVersion?: number | null;
  policyChoice?: PolicyChoice | null;
  /** Every option's prediction (src/policy/types.ts OptionPrediction[]). */
  policyPredictions?: unknown[] | null;
  predictedCostUsd?: number | null;
  predictedDurationMs?: number | null;
  actualCostUsd?: number | null;
  actualDurationMs?: number | null;
  cacheTtl?: "5m" | "1h" | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  completedAt?: string | null;
  pinned?: boolean;
  prunedAt?: string | null;
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
  cache?: CacheReport | null;
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

/** What Postgres may know of a write it refused for good: never the refused values. */
export interface DeadLetterRow {
  projectId: string;
  op: PgWrite["op"];
  sqlState: string | null;
}

export type PgWrite =
  | { op: "upsert_project"; id: string; ownerUserId: string; name: string; resumeEnabled: boolean | null; sessionPolicy?: SessionPolicySetting | null }
  | { op: "insert_version"; id: string; projectId: string; versionNumber: number; kind: VersionKind; prompt: string; jobId: string; branch?: string; restoredFrom?: number | null }
  /** A restore or a branch's first version documents what its source version documented. */
  | { op: "copy_version_docs"; id: string; projectId: string; fromVersion: number }
  | { op: "update_version"; id: string; patch: VersionPatch }
  | { op: "insert_metric"; row: MetricRow; key: string }
  | { op: "insert_attempt"; row: AttemptRow; key: string }
  | { op: "record_dead_letter"; row: DeadLetterRow; key: string };

/**
 * Text the model or the engine wrote (documentation, recommendations, error texts) may
 * hold NUL, which Postgres text and jsonb cannot store at all; it is dropped there.
 * (Client input never gets here with one: the API refuses it.)
 */
const noNul = (text: string): string => text.replaceAll("\u0000", "");
const noNulOrNull = (text: string | null | undefined): string | null | undefined => (typeof text === "string" ? noNul(text) : text);

const date = (value: string | null | undefined): Date | null | undefined =>
  value === undefined ? undefined : value === null ? null : new Date(value);

export async function applyWrite(db: Db, write: PgWrite): Promise<void> {
  switch (write.op) {
    case "upsert_project":
      await db
        .insert(projects)
        .values({ id: write.id, ownerUserId: write.ownerUserId, name: write.name, resumeEnabled: write.resumeEnabled, sessionPolicy: write.sessionPolicy ?? null })
        .onConflictDoUpdate({ target: projects.id, set: { name: write.name, resumeEnabled: write.resumeEnabled, sessionPolicy: write.sessionPolicy ?? null } });
      return;
    case "insert_version":
      await db
        .insert(projectVersions)
        .values({
          id: write.id, projectId: write.projectId, versionNumber: write.versionNumber, kind: write.kind, prompt: write.prompt, jobId: write.jobId,
          branch: write.branch ?? "main", restoredFrom: write.restoredFrom ?? null,
        })
        .onConflictDoNothing({ target: projectVersions.id });
      return;
    case "copy_version_docs": {
      // One statement: no read of the documentation into the Durable Object.
      const copied = await db.execute(sql`
        UPDATE ${projectVersions} AS t SET documentation = s.documentation, recommendations = s.recommendations, updated_at = now()
        FROM ${projectVersions} AS s
        WHERE t.id = ${write.id} AND s.project_id = ${write.projectId} AND s.version_number = ${write.fromVersion}`);
      // The source version is another branch's row, sent by its own object: it may not be there yet.
      if (copied.rowCount === 0) throw new ParentRowMissingError(`version ${write.fromVersion} of ${write.projectId} (or ${write.id}) is not in Postgres yet`);
      return;
    }
    case "update_version": {
      const { aiSessionCreatedAt, aiSessionLastUsedAt, completedAt, prunedAt, documentation, recommendations, errorMessage, ...rest } = write.patch;
      const set = {
        ...rest,
        ...(documentation !== undefined ? { documentation: noNulOrNull(documentation) } : {}),
        ...(recommendations !== undefined ? { recommendations: recommendations === null ? null : recommendations.map(noNul) } : {}),
        ...(errorMessage !== undefined ? { errorMessage: noNulOrNull(errorMessage) } : {}),
        ...(aiSessionCreatedAt !== undefined ? { aiSessionCreatedAt: date(aiSessionCreatedAt) } : {}),
        ...(aiSessionLastUsedAt !== undefined ? { aiSessionLastUsedAt: date(aiSessionLastUsedAt) } : {}),
        ...(completedAt !== undefined ? { completedAt: date(completedAt) } : {}),
        ...(prunedAt !== undefined ? { prunedAt: date(prunedAt) } : {}),
      };
      const result = await db.update(projectVersions).set(set).where(eq(projectVersions.id, write.id));
      // No row: its insert was refused (dead-lettered). Retrying cannot help.
      if (result.rowCount === 0) throw new MissingRowError(`version ${write.id} is not in Postgres`);
      return;
    }
    // Inserts carry a key: the outbox may send a write again after Postgres took it
    // (the DO can stop before it records the success), and it must land once.
    case "insert_metric":
      await db.insert(projectAiSessionMetrics).values({ ...write.row, dedupeKey: write.key }).onConflictDoNothing({ target: projectAiSessionMetrics.dedupeKey });
      return;
    case "insert_attempt":
      await db
        .insert(sessionResumeAttempts)
        .values({ ...write.row, errorText: noNulOrNull(write.row.errorText) ?? null, dedupeKey: write.key })
        .onConflictDoNothing({ target: sessionResumeAttempts.dedupeKey });
      return;
    case "record_dead_letter":
      await db.insert(outboxDeadLetters).values({ ...write.row, dedupeKey: write.key }).onConflictDoNothing({ target: outboxDeadLetters.dedupeKey });
      return;
  }
}
