import { z } from "@hono/zod-openapi";
import { ID_PATTERN_SOURCE } from "../ids.ts";
import { NextCursor } from "./pagination.ts";
import { cleanText } from "./text.ts";
import { CACHE_TTLS, PATH_OPTIONS, SESSION_POLICIES } from "../policy/types.ts";

const MAX_PROMPT_BYTES = 100 * 1024;
const encoder = new TextEncoder();

export const Prompt = z
  .string({ error: (issue) => (issue.input === undefined ? "prompt is required" : "prompt must be a string") })
  .refine((s) => s.trim().length > 0, "prompt must not be empty")
  .superRefine(cleanText("prompt", "multiline"))
  .refine((s) => encoder.encode(s).length <= MAX_PROMPT_BYTES, `prompt must be at most ${MAX_PROMPT_BYTES} bytes (100 KB)`)
  .openapi({ description: "What the AI should build or change (at most 100 KB)." });

const ProjectId = z
  .string()
  .regex(new RegExp(ID_PATTERN_SOURCE.prj), "project id must look like prj_ followed by 24 lowercase letters or digits")
  .openapi({ example: "prj_0123456789abcdefghijklmn" });
const JobId = z
  .string()
  .regex(new RegExp(ID_PATTERN_SOURCE.job), "job id must look like job_ followed by 24 lowercase letters or digits");

export const ProjectParams = z.object({ id: ProjectId.openapi({ param: { name: "id", in: "path" } }) });
export const JobParams = z.object({
  id: ProjectId.openapi({ param: { name: "id", in: "path" } }),
  jobId: JobId.openapi({ param: { name: "jobId", in: "path" } }),
});

export const CreateProjectBody = z
  .object({
    name: z
      .string({ error: (issue) => (issue.input === undefined ? "name is required" : "name must be a string") })
      .trim()
      .min(1, "name must not be empty")
      .max(200, "name must be at most 200 characters")
      .superRefine(cleanText("name", "line")),
    prompt: Prompt,
  })
  .openapi("CreateProject");

export const UpdateBody = z.object({ prompt: Prompt }).openapi("UpdateProject");
export const LegacyUpdateBody = z
  .object({
    projectId: z.string({ error: "projectId is required" }).regex(new RegExp(ID_PATTERN_SOURCE.prj), "projectId must look like prj_ followed by 24 lowercase letters or digits"),
    prompt: Prompt,
  })
  .openapi("LegacyUpdateProject");
const SessionPolicySetting = z.enum(SESSION_POLICIES, { error: `sessionPolicy must be ${SESSION_POLICIES.join(", ")} or null` });

const PATCH_FIELDS = "resumeEnabled and sessionPolicy";

export const PatchProjectBody = z
  .strictObject(
    {
      resumeEnabled: z.boolean({ error: "resumeEnabled must be true, false or null" }).nullable().optional().openapi({ description: "Per-project override of the resume flag; null follows the global flag." }),
      sessionPolicy: SessionPolicySetting.nullable().optional().openapi({
        description: "Per-project SESSION_POLICY: economic (choose by predicted cost among resume, compact then resume, a handoff, fresh), always (resume whenever the rules allow), never (always a new session); null follows the deployment's.",
      }),
    },
    {
      // A misspelt field would otherwise be dropped silently and the PATCH look like a no-op.
      error: (issue) =>
        issue.code === "unrecognized_keys" ? `unknown field ${issue.keys.join(", ")}: the body takes ${PATCH_FIELDS}`
        : issue.code === "invalid_type" ? `the body must be a JSON object with ${PATCH_FIELDS}`
        : undefined,
    },
  )
  .refine((b) => b.resumeEnabled !== undefined || b.sessionPolicy !== undefined, {
    message: "give resumeEnabled, sessionPolicy or both",
    // Only for an otherwise valid body: an unknown field already says what is wrong.
    when: (payload) => payload.issues.length === 0,
  })
  .openapi("PatchProject");

export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1, "Idempotency-Key must not be empty")
    .max(200, "Idempotency-Key must be at most 200 characters")
    .superRefine(cleanText("Idempotency-Key", "line"))
    .optional()
    .openapi({ param: { name: "idempotency-key", in: "header", description: "Same key → the same job (Idempotency-Key)." } }),
});

const VersionKindSchema = z.enum(["create", "update", "restore", "branch"]).openapi({
  description: "restore: an earlier version's files and a fork of its session; branch: the first version of a branch (the same, from the version it branched from).",
});
export const Step = z.enum(["build", "update", "metadata", "compact", "restore", "branch"]);
const BranchName = z.string().openapi({ description: "The branch (main: the project itself)." });

export const Usage = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheCreationInputTokens: z.number(),
  cacheReadInputTokens: z.number(),
  costUsd: z.number(),
  durationMs: z.number(),
});

export const Job = z
  .object({
    id: z.string(),
    projectId: z.string(),
    branch: BranchName,
    versionId: z.string(),
    versionNumber: z.number(),
    kind: VersionKindSchema,
    status: z.enum(["queued", "waiting_for_runner", "running", "succeeded", "failed"]).openapi({
      description: "waiting_for_runner: next to run, waiting for a free runner (every slot is busy); it starts when one frees up.",
    }),
    position: z.number().nullable().openapi({ description: "1 = running or next to run; null once finished." }),
    step: Step.nullable(),
    resume: z.object({ decision: z.enum(["resume", "fresh"]), reason: z.string() }).nullable(),
    sessionIdIn: z.string().nullable(),
    sessionIdOut: z.string().nullable(),
    totals: Usage,
    warnings: z.array(z.string()),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi("Job");

export const Project = z
  .object({
    id: z.string(),
    name: z.string(),
    branch: BranchName,
    ownerUserId: z.string(),
    resumeOverride: z.boolean().nullable(),
    sessionPolicy: SessionPolicySetting.nullable().openapi({ description: "The project's own SESSION_POLICY; null follows the deployment's." }),
    latestVersionNumber: z.number(),
    createdAt: z.string(),
  })
  .openapi("Project");

export const Session = z
  .object({
    projectId: z.string(),
    branch: BranchName,
    headSessionId: z.string().nullable(),
    headVersionNumber: z.number().nullable(),
    createdAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    ageSeconds: z.number().nullable(),
    resumable: z.boolean(),
    failureCount: z.number(),
    generation: z.number(),
    resetPending: z.boolean(),
    history: z.array(
      z.object({
        sessionId: z.string(),
        parentSessionId: z.string().nullable(),
        versionNumber: z.number(),
        operation: Step,
        relation: z.enum(["new", "resumed", "forked", "restored", "branched"]).openapi({
          description: "restored: a restore's fork of an earlier version's session; branched: a branch's first session, forked from the version it branched from.",
        }),
        at: z.string(),
      }),
    ).openapi({ description: "One page of the chain's history, oldest first (the Durable Object keeps the newest SESSION_HISTORY_LIMIT links; Postgres keeps every operation)." }),
    nextCursor: NextCursor,
  })
  .openapi("Session");

export const QueueStats = z.object({
  queued: z.number(),
  waitingForRunner: z.number(),
  running: z.number(),
  outbox: z.number().openapi({ description: "Postgres writes waiting in the project's outbox." }),
  deadLetters: z.number().openapi({ description: "Writes Postgres refused for good (SQLSTATE class 22/23), kept in the project's dead-letter table." }),
});

export const Accepted = z
  .object({
    project: Project,
    branch: BranchName,
    job: Job,
    version: z.object({ id: z.string(), number: z.number() }),
    queue: z.object({ position: z.number().nullable() }),
  })
  .openapi("Accepted");

const OptionPrediction = z.object({
  option: z.enum(PATH_OPTIONS),
  allowed: z.boolean(),
  why: z.string().nullable().openapi({ description: "Why the option was closed (a seed rule, the policy, a cap); null when open." }),
  costUsd: z.number(),
  durationMs: z.number(),
  cacheWriteTokens: z.number(),
  cacheReadTokens: z.number(),
});

const VersionPolicy = z.object({
  choice: z.enum(PATH_OPTIONS),
  predictions: z.array(OptionPrediction),
  predictedCostUsd: z.number().nullable(),
  predictedDurationMs: z.number().nullable(),
  actualCostUsd: z.number().nullable().openapi({ description: "The covered steps' cost once the job was done; null when the path did not run as planned." }),
  actualDurationMs: z.number().nullable(),
  cacheTtl: z.enum(CACHE_TTLS).nullable(),
});

export const Version = z
  .object({
    id: z.string(),
    versionNumber: z.number().openapi({ description: "Numbered per project, across its branches." }),
    branch: BranchName,
    kind: z.string(),
    restoredFrom: z.number().nullable().openapi({ description: "A restore: the version it restored." }),
    pinned: z.boolean().openapi({ description: "Pinned versions are never pruned." }),
    prunedAt: z.string().nullable().openapi({ description: "When retention pruned its files and session (a restore then answers 410)." }),
    status: z.string(),
    prompt: z.string(),
    jobId: z.string(),
    aiSessionId: z.string().nullable(),
    aiSessionCreatedAt: z.string().nullable(),
    aiSessionLastUsedAt: z.string().nullable(),
    resumeDecision: z.string().nullable(),
    resumeReason: z.string().nullable(),
    cacheNote: z.string().nullable().openapi({ description: "The build/update step's resumed history written to the prompt cache again instead of read, in words, e.g. \"history written again: cache expired 12 min after its 5-minute write (3,144 tokens)\"; null when read. Each step's full cache record is on the project's activity." }),
    recommendations: z.array(z.string()).nullable(),
    documentation: z.string().nullable(),
    documentationFromVersion: z.number().int().nullable().openapi({ description: "The version whose metadata step wrote this documentation: this version, or the earlier one it was carried from when the update changed no file (no model call). Null when unknown." }),
    policy: VersionPolicy.nullable().openapi({ description: "The resume policy's record: its choice, every option's prediction, and what the job then cost (null before the policy existed)." }),
    usage: Usage,
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi("Version");

export const ErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi("Error");

export const errorResponses = {
  400: { description: "Invalid input", content: { "application/json": { schema: ErrorBody } } },
  401: { description: "Missing, invalid or expired token", content: { "application/json": { schema: ErrorBody } } },
  404: { description: "No such project for this user", content: { "application/json": { schema: ErrorBody } } },
} as const;

export const stateResponses = {
  409: { description: "The request contradicts the resource's state (a failed or unfinished version, a name in use)", content: { "application/json": { schema: ErrorBody } } },
  410: { description: "The version was pruned by retention: its files and session are gone", content: { "application/json": { schema: ErrorBody } } },
} as const;
