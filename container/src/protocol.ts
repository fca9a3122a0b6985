// Runner protocol v2: the machine-readable form of docs/runner-protocol.md.
// Shared by the runner (Node) and the Worker/Durable Object, so it depends on zod only.
import { z } from "zod";

export const PROTOCOL_VERSION = 2;

/** Marker the metadata prompt carries; the model simulator keys on it. */
export const METADATA_MARKER = "SESSION_CHAIN_METADATA_REQUEST";

/**
 * A workspace: the engine's cwd plus its own config dir. The DO uses the project id for the
 * main branch and `<project id>-<branch>` for a branch (28 + 1 + 40 characters at most).
 */
export const WORKSPACE_ID_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;
export const WorkspaceId = z.string().regex(WORKSPACE_ID_PATTERN, "workspaceId must match ^[A-Za-z0-9_-]{1,80}$");
export type WorkspaceId = z.infer<typeof WorkspaceId>;

/** Chosen by the caller (the DO: job id, step, attempt); also the run's directory name on disk. */
export const RunId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, "runId must match ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$");
export type RunId = z.infer<typeof RunId>;

export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase sha256 hex digest");

export const SessionId = z.uuid();
export type SessionId = z.infer<typeof SessionId>;

export const Operation = z.enum(["build", "update", "metadata", "compact"]);
export type Operation = z.infer<typeof Operation>;

// ---------- POST /v1/runs ----------

/** Bounds of the metadata context; the Durable Object sends null rather than cut it. */
export const MAX_PREVIOUS_DOCUMENTATION_CHARS = 100_000;
export const MAX_CHANGED_PATHS = 1000;

/**
 * What the metadata step builds on: the documentation of the latest documented version (null
 * when there is none yet) and the workspace paths added, modified or removed since then.
 */
export const MetadataContext = z.object({
  previousDocumentation: z.string().max(MAX_PREVIOUS_DOCUMENTATION_CHARS).nullable(),
  changedPaths: z.array(z.string().min(1).max(4096)).max(MAX_CHANGED_PATHS),
});
export type MetadataContext = z.infer<typeof MetadataContext>;

/**
 * The lean metadata step (docs/runner-protocol.md): the model only describes the paths added
 * or modified since the documented version (each with its previous entry, null when it had
 * none) and writes the recommendations; the product applies that patch to the previous
 * documentation and computes every other fact itself. Removed paths are listed so the model
 * does not describe them; the product drops their entries.
 */
export const DocumentationPatchContext = z.object({
  changed: z.array(z.object({ path: z.string().min(1).max(4096), previousEntry: z.string().max(2000).nullable() })).max(MAX_CHANGED_PATHS),
  removed: z.array(z.string().min(1).max(4096)).max(MAX_CHANGED_PATHS),
});
export type DocumentationPatchContext = z.infer<typeof DocumentationPatchContext>;

/** A model id for one run (`claude-haiku-4-5`); null: the engine's default model. */
export const ModelId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, "model must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$");

/** Bound of a handoff (about 12 K tokens); the Durable Object builds it within its own, smaller budget. */
export const MAX_HANDOFF_CHARS = 50_000;

/**
 * Prompt-cache TTL of every cache breakpoint the engine sends in one run: `5m` (the API's
 * default) or `1h` (writes cost 1.6-2x, entries live an hour). null: the engine's default.
 */
export const CacheTtl = z.enum(["5m", "1h"]);
export type CacheTtl = z.infer<typeof CacheTtl>;

/** Bounds of the version log a build or update gets (the Durable Object cuts within them, with visible markers). */
export const MAX_VERSION_LOG_ENTRIES = 50;
export const MAX_VERSION_LOG_REQUEST_CHARS = 1000;
export const MAX_VERSION_LOG_PATHS = 50;

/**
 * One earlier version in the version log: its number, the user's request (cut at
 * MAX_VERSION_LOG_REQUEST_CHARS; `requestTruncated` says so) and the paths it changed (the
 * first MAX_VERSION_LOG_PATHS; `morePaths` counts the rest; null when not recorded).
 */
export const VersionLogEntry = z.object({
  versionNumber: z.number().int().positive(),
  kind: z.enum(["create", "update", "restore", "branch"]),
  outcome: z.enum(["succeeded", "failed"]),
  request: z.string().max(MAX_VERSION_LOG_REQUEST_CHARS),
  requestTruncated: z.boolean(),
  changedPaths: z.array(z.string().min(1).max(4096)).max(MAX_VERSION_LOG_PATHS).nullable(),
  morePaths: z.number().int().nonnegative(),
});
export type VersionLogEntry = z.infer<typeof VersionLogEntry>;
export const VersionLog = z.array(VersionLogEntry).max(MAX_VERSION_LOG_ENTRIES);
export type VersionLog = z.infer<typeof VersionLog>;

export const RunRequest = z
  .object({
    runId: RunId,
    workspaceId: WorkspaceId,
    operation: Operation,
    prompt: z.string().max(200_000).default(""),
    resumeSessionId: SessionId.nullable().default(null),
    forkSession: z.boolean().default(true),
    /** The version the user sees; build and update prompts are labelled with it. */
    versionNumber: z.number().int().positive().optional(),
    /** Metadata only: documentation to update instead of writing it from scratch. */
    metadataContext: MetadataContext.nullable().default(null),
    /** Metadata only: run the lean step (a patch for these paths) instead of re-emitting the whole documentation. */
    documentationPatch: DocumentationPatchContext.nullable().default(null),
    /** The model the engine runs this operation with; null: the engine's default. */
    model: ModelId.nullable().default(null),
    /**
     * A new session's first prompt carries this before the labelled request: what the
     * product knows of the project (documentation, recent requests with their version
     * labels), so the new session can act on requests that refer to earlier ones.
     */
    handoff: z.string().max(MAX_HANDOFF_CHARS).nullable().default(null),
    /** The prompt-cache TTL this run asks for (the Durable Object's resume policy chooses it). */
    cacheTtl: CacheTtl.nullable().default(null),
    /**
     * Build and update only: the project's earlier versions, oldest first. The runner writes
     * them to `.session-chain/versions.md` in the workspace (never part of the project's
     * files) and the prompt says so; null: no log (the file is removed).
     */
    versionLog: VersionLog.nullable().default(null),
    /**
     * Minimum cacheable prompt length per model id, from the Worker's model table
     * (src/models/table.ts, the one source): the runner cannot import it, and uses it to tell
     * a prompt too short to cache from an unexplained miss. A model not listed: `unknown`.
     */
    cacheFloors: z.record(z.string().min(1).max(200), z.number().int().positive()).default({}),
  })
  .superRefine((req, ctx) => {
    // Rules that the shape alone cannot express; both sides reject these with bad_request.
    if ((req.operation === "metadata" || req.operation === "compact") && req.resumeSessionId === null) {
      ctx.addIssue({ code: "custom", path: ["resumeSessionId"], message: `${req.operation} requires resumeSessionId` });
    }
    if (req.operation === "build" && req.resumeSessionId !== null) {
      ctx.addIssue({ code: "custom", path: ["resumeSessionId"], message: "build starts a new session: resumeSessionId must be null" });
    }
    if (req.handoff !== null && (req.resumeSessionId !== null || (req.operation !== "build" && req.operation !== "update"))) {
      ctx.addIssue({ code: "custom", path: ["handoff"], message: "a handoff only goes with a build or update that starts a new session" });
    }
    if (req.documentationPatch !== null && (req.operation !== "metadata" || req.metadataContext !== null)) {
      ctx.addIssue({ code: "custom", path: ["documentationPatch"], message: "documentationPatch goes only with a metadata run, instead of metadataContext" });
    }
    if (req.versionLog !== null && req.operation !== "build" && req.operation !== "update") {
      ctx.addIssue({ code: "custom", path: ["versionLog"], message: "a version log only goes with a build or update" });
    }
    if ((req.operation === "build" || req.operation === "update") && req.prompt.trim() === "") {
      ctx.addIssue({ code: "custom", path: ["prompt"], message: `${req.operation} requires a non-empty prompt` });
    }
  });
/** What a caller sends (defaults may be omitted). */
export type RunRequestInput = z.input<typeof RunRequest>;
/** What the runner works with after parsing. */
export type RunRequest = z.output<typeof RunRequest>;

// ---------- Workspace fingerprint ----------

export const FingerprintChanges = z.object({
  added: z.array(z.string()),
  removed: z.array(z.string()),
  modified: z.array(z.string()),
});
export type FingerprintChanges = z.infer<typeof FingerprintChanges>;

export const Fingerprint = z.object({
  fileCount: z.number().int().nonnegative(),
  /** sha256 hex over the sorted lines `path \0 sha256(content) \n`. */
  treeHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** path → first 12 hex chars of sha256(content). */
  files: z.record(z.string(), z.string()),
  /** Against the workspace as the project's previous run (or snapshot import) left it; null when none. */
  changes: FingerprintChanges.nullable(),
});
export type Fingerprint = z.infer<typeof Fingerprint>;

// ---------- NDJSON run events ----------

export const Usage = z.object({
  inputTokens: z.number().nonnegative(),
  outputTokens: z.number().nonnegative(),
  cacheCreationInputTokens: z.number().nonnegative(),
  cacheReadInputTokens: z.number().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

// ---------- Prompt-cache diagnostics (model proxy, see docs/runner-protocol.md) ----------

/**
 * Why a call wrote a prefix the cache should have had: the entry outlived its TTL, the
 * prefix differs from the one cached (first changed block named), the prompt is shorter
 * than the model's minimum cacheable length, or the proxy cannot tell.
 */
export const CacheMissCause = z.enum(["ttl_expired", "prefix_changed", "below_minimum", "unknown"]);
export type CacheMissCause = z.infer<typeof CacheMissCause>;

export const CacheMiss = z.object({
  cause: CacheMissCause,
  /** `tools`, `system`, `message N` (1-based) or `model`: where the prefix changed or ends; null when unknown. */
  block: z.string().max(40).nullable(),
  /** Prompt tokens written (or left uncached) that the cache should have served. */
  tokens: z.number().int().nonnegative(),
  /** Which model call of the run (1-based). */
  call: z.number().int().positive(),
  /** Whether the prefix missed was written before this run (the resumed history). */
  history: z.boolean(),
  /** ttl_expired: seconds since the prefix was last written or read, and the TTL it had. */
  ageSeconds: z.number().int().nonnegative().nullable(),
  ttl: CacheTtl.nullable(),
  /** below_minimum: the model's minimum cacheable length. */
  minTokens: z.number().int().positive().nullable(),
  /** unknown: what the proxy could not tell, in words. */
  detail: z.string().max(200).nullable(),
});
export type CacheMiss = z.infer<typeof CacheMiss>;

/** At most this many misses are itemised per run; the tokens of the rest are still summed. */
export const MAX_CACHE_MISSES = 20;

export const CacheReport = z.object({
  /** Model calls the proxy fingerprinted. */
  calls: z.number().int().nonnegative(),
  readTokens: z.number().int().nonnegative(),
  /** Every cache write (both TTLs). */
  writeTokens: z.number().int().nonnegative(),
  /** The part of writeTokens written with the 1-hour TTL. */
  writeTokens1h: z.number().int().nonnegative(),
  misses: z.array(CacheMiss).max(MAX_CACHE_MISSES),
  /** Tokens of the misses not itemised (beyond MAX_CACHE_MISSES). */
  moreMissTokens: z.number().int().nonnegative(),
});
export type CacheReport = z.infer<typeof CacheReport>;

export const Metadata = z.object({
  recommendations: z.array(z.string()),
  documentation: z.string(),
});
export type Metadata = z.infer<typeof Metadata>;

/** The lean metadata step's answer: one entry per changed path it describes, and the recommendations. */
export const MetadataPatch = z.object({
  recommendations: z.array(z.string().max(2000)).max(50),
  entries: z.record(z.string(), z.string().max(2000)),
});
export type MetadataPatch = z.infer<typeof MetadataPatch>;

/** Facts about one workspace file, computed by the runner (never asked of the model). */
export const FileFacts = z.object({
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  lines: z.number().int().nonnegative(),
  /** The first non-blank line, trimmed and cut at MAX_FIRST_LINE_CHARS; "" for an empty or binary file. */
  firstLine: z.string(),
});
export type FileFacts = z.infer<typeof FileFacts>;
export const MAX_FIRST_LINE_CHARS = 120;

export const RunErrorCode = z.enum([
  "session_not_found",
  "session_corrupted",
  /** The runner's own check refused the transcript before the engine ran (see `findings`). */
  "transcript_invalid",
  "overloaded",
  "compact_failed",
  "bad_request",
  "run_lost",
  "internal",
]);
export type RunErrorCode = z.infer<typeof RunErrorCode>;

/**
 * What the runner's transcript check (container/src/transcript-check/) found wrong with a
 * transcript before resuming it. `detail` names lines, uuids and tool_use ids, never content.
 */
export const TranscriptFindingKind = z.enum([
  "truncated_last_line",
  "invalid_json",
  "not_an_object",
  "other_session",
  "no_conversation",
  "broken_chain",
  "duplicate_line",
  "duplicate_uuid",
  "dangling_tool_use",
  "orphan_tool_result",
]);
export type TranscriptFindingKind = z.infer<typeof TranscriptFindingKind>;

export const TranscriptFinding = z.object({
  kind: TranscriptFindingKind,
  /** 1-based line of the transcript file; null when the finding is about the whole file. */
  line: z.number().int().positive().nullable(),
  detail: z.string().max(300),
  /** Whether the runner can repair it on a copy (a truncated last line, an interrupted turn's calls, a repeated line). */
  repairable: z.boolean(),
});
export type TranscriptFinding = z.infer<typeof TranscriptFinding>;
/** At most this many findings travel; the rest are counted in the message. */
export const MAX_TRANSCRIPT_FINDINGS = 20;

export const StartedEvent = z.object({
  type: z.literal("started"),
  runId: z.string(),
  operation: Operation,
  resumeSessionId: SessionId.nullable(),
});
export const SessionEvent = z.object({ type: z.literal("session"), sessionId: SessionId });
export const AssistantTextEvent = z.object({ type: z.literal("assistant_text"), text: z.string().max(2000) });
export const ToolUseEvent = z.object({ type: z.literal("tool_use"), name: z.string(), target: z.string().nullable() });
/**
 * The transcript to resume had only repairable faults: the runner repaired a copy under a new
 * session id (`copySessionId`) and resumes that; the original file is left as it was.
 */
export const TranscriptRepairedEvent = z.object({
  type: z.literal("transcript_repaired"),
  sessionId: SessionId,
  copySessionId: SessionId,
  findings: z.array(TranscriptFinding).max(MAX_TRANSCRIPT_FINDINGS),
});
export type TranscriptRepairedEvent = z.infer<typeof TranscriptRepairedEvent>;
/** A tool call the runner refused before it ran (confinement to the workspace); the model got `reason` as the tool's error. */
export const ToolRefusedEvent = z.object({ type: z.literal("tool_refused"), name: z.string(), target: z.string().nullable(), reason: z.string() });

export const ResultEvent = z.object({
  type: z.literal("result"),
  /** The id from the engine's last message; with forkSession it differs from resumeSessionId. */
  sessionId: SessionId,
  /** Tokens of every model call this run made (compaction included). */
  usage: Usage,
  /** The engine's total_cost_usd: cumulative over the session chain the transcript carries. */
  totalCostUsd: z.number().nonnegative(),
  /** This run's own cost: totalCostUsd minus the total the resumed transcript had saved. */
  costUsd: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
  numTurns: z.number().int().nonnegative(),
  /** Prompt tokens of the run's last model call (input + cache reads + cache writes): the
   * session's context size, which the compaction policy compares with its threshold.
   * Optional: runners before it was added do not send it. */
  contextTokens: z.number().int().nonnegative().optional(),
  /** Bytes of the workspace's regular files after the run (the project's size). Optional: older runners do not send it. */
  workspaceBytes: z.number().int().nonnegative().optional(),
  toolCalls: z.number().int().nonnegative(),
  filesRead: z.number().int().nonnegative(),
  /** Tool calls refused before they ran (each also sent as a `tool_refused` event). */
  refusedToolCalls: z.number().int().nonnegative(),
  text: z.string(),
  metadata: Metadata.nullable(),
  /** Lean metadata runs: the model's patch (null when its answer held none) and the workspace's facts. Absent otherwise. */
  metadataPatch: MetadataPatch.nullable().optional(),
  fileFacts: z.array(FileFacts).optional(),
  fingerprint: Fingerprint,
  /** What the model proxy saw of the prompt cache. Optional: older runners do not send it. */
  cache: CacheReport.optional(),
  /** Set when the resumed transcript was repaired on a copy first (see TranscriptRepairedEvent). */
  transcriptRepair: TranscriptRepairedEvent.omit({ type: true }).optional(),
});
export type ResultEvent = z.infer<typeof ResultEvent>;

export const ErrorEvent = z.object({
  type: z.literal("error"),
  code: RunErrorCode,
  message: z.string(),
  retryable: z.boolean(),
  /** compact_failed: the unchanged session; otherwise the last id the engine reported, if any. */
  sessionId: SessionId.nullable(),
  /** Tool calls refused before the run failed; absent when the engine never ran. */
  refusedToolCalls: z.number().int().nonnegative().optional(),
  /** transcript_invalid: what the check found (no content). */
  findings: z.array(TranscriptFinding).max(MAX_TRANSCRIPT_FINDINGS).optional(),
});
export type ErrorEvent = z.infer<typeof ErrorEvent>;

export const RunEvent = z.discriminatedUnion("type", [
  StartedEvent,
  SessionEvent,
  AssistantTextEvent,
  ToolUseEvent,
  ToolRefusedEvent,
  TranscriptRepairedEvent,
  ResultEvent,
  ErrorEvent,
]);
export type RunEvent = z.infer<typeof RunEvent>;
export type FinalEvent = ResultEvent | ErrorEvent;

export const FinalEvent = z.discriminatedUnion("type", [ResultEvent, ErrorEvent]);

export function isFinalEvent(event: RunEvent): event is FinalEvent {
  return event.type === "result" || event.type === "error";
}

// ---------- Run lifecycle: POST /v1/runs, GET /v1/runs/:runId[/events], DELETE ----------

/**
 * While a run is live its event stream carries an empty line at least this often, so a
 * follower can tell a quiet run (a long model turn) from a stream that silently died.
 */
export const EVENTS_HEARTBEAT_MS = 15_000;
/** A follower that hears nothing (not even a heartbeat) for this long reconnects. */
export const EVENTS_IDLE_MS = 3 * EVENTS_HEARTBEAT_MS;

/** One line of a run's event log: the event plus its sequence number (1, 2, …). */
export const LoggedEvent = z.intersection(z.object({ seq: z.number().int().positive() }), RunEvent);
export type LoggedEvent = z.infer<typeof LoggedEvent>;

export const RunStatus = z.object({
  runId: RunId,
  workspaceId: WorkspaceId,
  operation: Operation,
  /** `finished` once the log holds its final event (a lost run is finished with `run_lost`). */
  state: z.enum(["running", "finished"]),
  /** Sequence number of the last logged event. */
  lastSeq: z.number().int().nonnegative(),
  final: FinalEvent.nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type RunStatus = z.infer<typeof RunStatus>;

export const RunResponse = z.object({ run: RunStatus });
export type RunResponse = z.infer<typeof RunResponse>;

// ---------- Plain JSON endpoints ----------

export const HttpErrorCode = z.enum([
  "bad_request",
  "unauthorized",
  "busy",
  "conflict",
  "not_found",
  "run_not_found",
  "blob_not_found",
  "session_not_found",
  "tree_mismatch",
  "transcript_mismatch",
  "method_not_allowed",
  "payload_too_large",
  "internal",
]);
export type HttpErrorCode = z.infer<typeof HttpErrorCode>;

export const ErrorEnvelope = z.object({
  error: z.object({ code: HttpErrorCode, message: z.string() }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

export const HealthResponse = z.object({ ok: z.literal(true), engine: z.string() });
export type HealthResponse = z.infer<typeof HealthResponse>;

export const WorkspaceResponse = z.object({ fingerprint: Fingerprint });
export type WorkspaceResponse = z.infer<typeof WorkspaceResponse>;

// ---------- Content-addressed workspace trees ----------

export const TreeEntry = z.object({
  path: z.string().min(1).max(4096),
  sha256: Sha256,
  size: z.number().int().nonnegative(),
});
export type TreeEntry = z.infer<typeof TreeEntry>;

/** A workspace as content: every regular file's path, sha256 and size, sorted by path. */
export const TreeManifest = z.object({
  /** The fingerprint's treeHash: sha256 over the sorted lines `path \0 sha256 \n`. */
  treeHash: Sha256,
  files: z.array(TreeEntry).max(100_000),
});
export type TreeManifest = z.infer<typeof TreeManifest>;

export const MissingBlobsRequest = z.object({ sha256: z.array(Sha256).max(100_000) });
export type MissingBlobsRequest = z.infer<typeof MissingBlobsRequest>;

export const MissingBlobsResponse = z.object({ missing: z.array(Sha256) });
export type MissingBlobsResponse = z.infer<typeof MissingBlobsResponse>;

export const SessionInfoResponse = z.object({
  sessionId: SessionId,
  transcriptBytes: z.number().int().nonnegative(),
});
export type SessionInfoResponse = z.infer<typeof SessionInfoResponse>;

// ---------- Transcripts: deltas and forks ----------

/**
 * A transcript stored as a delta from its parent session's transcript (see
 * transcript-delta.ts): a JSON header line, then one op per line of the child.
 */
export const TRANSCRIPT_DELTA_CONTENT_TYPE = "application/x-session-chain-delta";
export const TRANSCRIPT_CONTENT_TYPE = "application/x-ndjson";
/** Response header of a transcript export: the byte size of the whole transcript (a delta is smaller). */
export const TRANSCRIPT_BYTES_HEADER = "x-transcript-bytes";

export const TranscriptDeltaHeader = z.object({
  format: z.literal("session-chain-transcript-delta"),
  version: z.literal(1),
  sessionId: SessionId,
  parentSessionId: SessionId,
  /** sha256 of the parent transcript the ops apply to: a wrong base is refused before anything is written. */
  parentSha256: Sha256,
  /** sha256 and byte length of the transcript the delta rebuilds. */
  sha256: Sha256,
  bytes: z.number().int().nonnegative(),
  /** Applied to every parent line, in order, before the ops copy or patch it. */
  substitutions: z.array(z.tuple([z.string().min(1), z.string()])).max(64),
});
export type TranscriptDeltaHeader = z.infer<typeof TranscriptDeltaHeader>;

/** POST /v1/workspaces/:ws/sessions/:sid/fork → 201. */
export const ForkSessionResponse = z.object({
  sessionId: SessionId,
  forkedFrom: SessionId,
  transcriptBytes: z.number().int().nonnegative(),
});
export type ForkSessionResponse = z.infer<typeof ForkSessionResponse>;
