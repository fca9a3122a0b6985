import type { SaveLeases } from "../artifacts/leases.ts";
import type { ArtifactStore } from "../artifacts/store.ts";
import type { ChainConfig } from "../config.ts";
import type { AttemptRow } from "../db/repo/writes.ts";
import type { RunnerClient } from "../runner/client.ts";
import type { Budget } from "./budget.ts";
import type { ChainStore } from "./storage/chain.ts";
import type { EventStore } from "./storage/events.ts";
import type { JobRecord, JobStore } from "./storage/jobs.ts";
import type { MemoryStore } from "./storage/memory.ts";
import type { OutboxStore } from "./storage/outbox.ts";
import type { RunStore } from "./storage/runs.ts";
import type { VersionStore } from "./storage/versions.ts";
import type { WorkspaceStore } from "./storage/workspace.ts";
import type { PolicyConfig } from "../policy/config.ts";
import type { PolicyStore } from "./storage/policy.ts";
import type { MetadataConfig } from "../metadata/config.ts";

/** Everything one job's pipeline works with; built by the DO for each alarm invocation. */
export interface JobContext {
  projectId: string;
  /** The branch this object runs ("main" for the project itself). */
  branch: string;
  /** The runner workspace the branch's runs use (src/branches/names.ts). */
  workspaceId: string;
  job: JobRecord;
  config: ChainConfig;
  runner: RunnerClient;
  artifacts: ArtifactStore;
  /** Saves hold one so the project's garbage collection never runs beside them (main keeps them). */
  leases: SaveLeases;
  chain: ChainStore;
  jobs: JobStore;
  events: EventStore;
  outbox: OutboxStore;
  memory: MemoryStore;
  runs: RunStore;
  workspace: WorkspaceStore;
  versions: VersionStore;
  /** This invocation's time: it stops (persisted) when the budget is used up. */
  budget: Budget;
  /** The resume policy's state (storage/policy.ts) and vars. */
  policy: PolicyStore;
  policyConfig: PolicyConfig;
  /** METADATA_STEP and METADATA_MODEL. */
  metadataConfig: MetadataConfig;
  /** VERSION_LOG: every build and update gets the version log. */
  versionLog: boolean;
  /** Sends pending Postgres writes; false when Postgres could not take them now. */
  flush(): Promise<boolean>;
  /** Postgres says the session id was produced by this project (null: could not ask). */
  sessionInPostgres(sessionId: string): Promise<boolean | null>;
  now(): number;
  /** Resume attempts made for this job so far (audit numbering). */
  attempts: number;
}

/** The job's durable state moved forward (see src/do/interruptions.ts). */
export function progressed(ctx: JobContext): void {
  ctx.jobs.bumpProgress(ctx.job.id);
}

export function emit(ctx: JobContext, type: string, data: Record<string, unknown>): void {
  ctx.events.append(ctx.job.id, type, data, ctx.now());
}

/** Queues one audit row; every resume attempt and every decision not to resume gets one. */
export function audit(ctx: JobContext, row: Omit<AttemptRow, "projectId" | "versionId" | "userId" | "attemptNumber">): void {
  ctx.attempts += 1;
  ctx.outbox.push({
    op: "insert_attempt",
    key: crypto.randomUUID(),
    row: { ...row, projectId: ctx.projectId, versionId: ctx.job.versionId, userId: ctx.job.userId, attemptNumber: ctx.attempts },
  });
}

/** A problem the job survives: the owner sees the message; the detail goes to the log only. */
export function warn(ctx: JobContext, message: string, detail: unknown): void {
  console.warn(`job ${ctx.job.id}: ${message}:`, detail);
  ctx.jobs.addWarning(ctx.job.id, message);
  emit(ctx, "warning", { message });
}
