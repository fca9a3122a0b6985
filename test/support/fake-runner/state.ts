// In-memory state of the fake runner: workspaces (files, sessions, uploaded blobs, scripted
// behaviour) and runs (their numbered event logs), the same things the real runner keeps
// on its disk.
import type { FileHashes } from "../../../container/src/fingerprint.ts";
import { hashFiles, treeHash } from "../../../container/src/fingerprint.ts";
import type { LoggedEvent, RunErrorCode, RunRequest, TranscriptFinding, TreeManifest } from "../../../container/src/protocol.ts";

export interface ScriptedFailure {
  operation?: RunRequest["operation"];
  /** Only runs that resume (true) or start fresh (false). */
  resuming?: boolean;
  /** An error event with this code, or an HTTP status before the run exists. */
  code?: RunErrorCode;
  status?: number;
  retryable?: boolean;
  /** How many matching runs fail; default 1. */
  count?: number;
  /** The run's event stream is cut once (no final event); the run itself goes on. */
  cut?: boolean;
  /** The run is lost mid-way, as when the runner process restarts. */
  lost?: boolean;
  /** Half-edit the workspace before failing (as a run cut mid-way would). */
  dirty?: boolean;
  /** transcript_invalid: what the runner's check reports as found. */
  findings?: TranscriptFinding[];
}

export interface Call {
  runId: string;
  operation: RunRequest["operation"];
  resumeSessionId: string | null;
  forkSession: boolean;
  prompt: string;
  versionNumber: number | null;
  metadataContext: RunRequest["metadataContext"];
  documentationPatch: RunRequest["documentationPatch"];
  model: RunRequest["model"];
  handoff: string | null;
  cacheTtl: RunRequest["cacheTtl"];
  versionLog: RunRequest["versionLog"];
  outcome: string;
  sessionIdOut: string | null;
}

export interface FakeRun {
  request: RunRequest;
  /** The workspace's record of this run (its outcome is updated as the run ends). */
  call: Call;
  events: LoggedEvent[];
  finished: boolean;
  startedAt: number;
  /** Open follow streams; null tells one that the connection dropped (the process died). */
  listeners: Set<(event: LoggedEvent | null) => void>;
  /** Times the run's work began (must stay 1: a run id is never started twice). */
  starts: number;
  /** GET …/events requests, and how many are open now. */
  follows: number;
  openFollows: number;
  /** Follow streams still to cut before the final event (scripted `cut`). */
  cutsLeft: number;
  /** Set while the run is held (control `hold`): calling it lets the run go on. */
  release: (() => void) | null;
  /** Stops the run's work without a final event (the process died with it). */
  killed: boolean;
  cancelled: boolean;
}

export interface WorkspaceState {
  files: Map<string, Buffer>;
  /** Blobs uploaded for the next tree import. */
  blobs: Map<string, Buffer>;
  /** The blobs of the tree last listed (GET …/tree), by sha256. */
  listed: Map<string, Buffer>;
  sessions: Map<string, string[]>;
  corrupted: Set<string>;
  /** Sessions whose transcript the runner's check repairs on a copy before resuming, with what it found. */
  repairs: Map<string, TranscriptFinding[]>;
  failures: ScriptedFailure[];
  delayMs: number;
  /** Scripted: the next resumed run finds its history expired from the prompt cache this many minutes after its write. */
  expireCacheMinutes: number | null;
  /** Operations whose runs wait for `release` after their first events. */
  hold: Set<string>;
  /** Tree imports still to refuse with this status (scripted), and imports to botch. */
  refuseImports: { count: number; status: number };
  botchImports: number;
  /** Tree imports asked for. */
  imports: number;
  /** Transcript exports (GET …/transcript), imports (PUT) and forks, in order. */
  exports: { sessionId: string; base: string | null; format: "full" | "delta"; bytes: number }[];
  transcriptImports: string[];
  forks: { from: string; to: string }[];
  busy: string | null;
  overlaps: number;
  calls: Call[];
  /** File hashes the last successful run (or tree import) left: the baseline for `changes`. */
  previous: FileHashes | null;
}

export function newWorkspace(): WorkspaceState {
  return {
    files: new Map(),
    blobs: new Map(),
    listed: new Map(),
    sessions: new Map(),
    corrupted: new Set(),
    repairs: new Map(),
    failures: [],
    delayMs: 0,
    expireCacheMinutes: null,
    hold: new Set(),
    refuseImports: { count: 0, status: 500 },
    botchImports: 0,
    imports: 0,
    exports: [],
    transcriptImports: [],
    forks: [],
    busy: null,
    overlaps: 0,
    calls: [],
    previous: null,
  };
}

/** The real runner's fingerprint rules, applied to the in-memory workspace. */
export function hashes(files: Map<string, Buffer>): FileHashes {
  return hashFiles([...files].map(([path, content]) => ({ path, content })));
}

export function manifestOf(files: Map<string, Buffer>): TreeManifest {
  const current = hashes(files);
  return {
    treeHash: treeHash(current),
    files: [...current].map(([path, sha256]) => ({ path, sha256, size: files.get(path)?.length ?? 0 })),
  };
}
