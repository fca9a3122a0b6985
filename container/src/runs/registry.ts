// Runs live apart from the HTTP connection that asked for them: each has the id its caller
// chose, holds its workspace's lock until it ends, and writes every event to its log on
// disk before anyone sees it. A caller that went away follows the run again from the last
// event it got; a second start of the same run id returns the run instead of starting it.
import type { RunnerConfig } from "../config.ts";
import { HttpError } from "../errors.ts";
import type { ProjectLocks } from "../locks.ts";
import type { ModelProxy } from "../model-proxy/server.ts";
import { runOperation } from "../operation.ts";
import { projectPaths } from "../paths.ts";
import type { ErrorEvent, FinalEvent, LoggedEvent, RunEvent, RunRequest, RunStatus } from "../protocol.ts";
import { appendEvent, createRunLog, finalOf, listRunIds, readRunLog, removeRunLog, runFiles } from "./log.ts";
import type { RunFiles, StoredRun } from "./log.ts";

/** A run as the registry serves it: live (in memory) or read back from its log. */
export interface RunView extends StoredRun {
  runId: string;
}

interface LiveRun extends RunView {
  files: RunFiles;
  cancel: AbortController;
  listeners: Set<(event: LoggedEvent) => void>;
  /** Appends are chained so the log's order is the order events happened in. */
  writing: Promise<void>;
  /** The last sequence number handed out (events reach `events` once written). */
  assigned: number;
  settled: Promise<void>;
}

export interface RegistryOptions {
  config: RunnerConfig;
  locks: ProjectLocks;
  /** The engines' only way to the model API (one token per run). */
  modelProxy: ModelProxy;
  shutdown: AbortSignal;
  log: (line: string) => void;
}

export type StartResult = { created: boolean; run: RunView };

/** How often a running runner looks for run logs past their retention. */
const SWEEP_EVERY_MS = 60 * 60_000;

export class RunRegistry {
  private readonly options: RegistryOptions;
  private readonly live = new Map<string, LiveRun>();
  /** Starts in flight, so two concurrent POSTs of one run id start it once. */
  private readonly starting = new Map<string, Promise<StartResult>>();
  private lastSweep = 0;

  constructor(options: RegistryOptions) {
    this.options = options;
  }

  /**
   * At startup: a run whose log has no final event was cut off by the runner stopping; it
   * is finished as `run_lost` (retryable) so its caller re-runs it. Old finished runs go.
   */
  async recover(): Promise<void> {
    await this.sweep(true);
  }

  /** Removes finished runs older than the retention (and, at startup, finishes cut-off ones). */
  private async sweep(atStartup: boolean): Promise<void> {
    const { dataDir, runRetentionMs } = this.options.config;
    this.lastSweep = Date.now();
    for (const runId of await listRunIds(dataDir)) {
      if (this.live.has(runId) || this.starting.has(runId)) continue;
      const files = runFiles(dataDir, runId);
      const stored = await readRunLog(files);
      if (stored === null) {
        if (atStartup) await removeRunLog(files);
      } else if (stored.final === null) {
        if (atStartup) await appendEvent(files, { ...lostEvent("the runner restarted while the run was in progress"), seq: nextSeq(stored.events) });
      } else if (stored.finishedAt !== null && Date.now() - stored.finishedAt > runRetentionMs) {
        await removeRunLog(files);
      }
    }
  }

  start(request: RunRequest): Promise<StartResult> {
    const pending = this.starting.get(request.runId);
    if (pending !== undefined) return pending.then((result) => this.sameRequest(result, request));
    const started = this.startOnce(request).finally(() => this.starting.delete(request.runId));
    this.starting.set(request.runId, started);
    return started;
  }

  private async startOnce(request: RunRequest): Promise<StartResult> {
    const existing = await this.get(request.runId);
    if (existing !== null) return this.sameRequest({ created: false, run: existing }, request);
    const release = this.options.locks.tryAcquire(request.workspaceId, request.runId);
    if (release === null) throw new HttpError(409, "busy", `workspace ${request.workspaceId} has a run in progress`);
    const files = runFiles(this.options.config.dataDir, request.runId);
    let created: boolean;
    try {
      created = await createRunLog(files, request);
    } catch (err) {
      release();
      throw err;
    }
    if (!created) {
      // Created on disk by a runner that is gone, between our read and now: report it.
      release();
      const run = await this.get(request.runId);
      if (run === null) throw new HttpError(500, "internal", "run log unreadable");
      return this.sameRequest({ created: false, run }, request);
    }
    const run = this.launch(request, files, release);
    // A long-lived runner drops old run logs now and then (a sleeping container starts afresh).
    if (Date.now() - this.lastSweep > SWEEP_EVERY_MS) {
      void this.sweep(false).catch((err: unknown) => this.options.log(`run log sweep failed: ${err instanceof Error ? err.message : String(err)}`));
    }
    return { created: true, run };
  }

  private sameRequest(result: StartResult, request: RunRequest): StartResult {
    if (JSON.stringify(result.run.request) !== JSON.stringify(request)) {
      throw new HttpError(409, "conflict", `run ${request.runId} exists with a different request`);
    }
    return result.created ? { created: false, run: result.run } : result;
  }

  private launch(request: RunRequest, files: RunFiles, release: () => void): LiveRun {
    const { config, log, shutdown } = this.options;
    const run: LiveRun = {
      runId: request.runId,
      request,
      events: [],
      final: null,
      startedAt: Date.now(),
      finishedAt: null,
      files,
      cancel: new AbortController(),
      listeners: new Set(),
      writing: Promise.resolve(),
      assigned: 0,
      settled: Promise.resolve(),
    };
    this.live.set(request.runId, run);
    this.append(run, { type: "started", runId: request.runId, operation: request.operation, resumeSessionId: request.resumeSessionId });
    const signal = AbortSignal.any([run.cancel.signal, shutdown]);
    run.settled = (async () => {
      let final: FinalEvent;
      try {
        final = await runOperation(request, { config, modelProxy: this.options.modelProxy, paths: projectPaths(config.dataDir, request.workspaceId), emit: (event) => this.append(run, event), signal, log });
      } catch (err) {
        log(`run ${request.runId} crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        final = { type: "error", code: "internal", message: "internal runner error", retryable: false, sessionId: null };
      }
      // Stopped from outside, however the engine reacted to it: the runner going away loses
      // the work; a cancel (DELETE) ends it in a way the caller may retry.
      if (shutdown.aborted && final.type === "error") final = lostEvent("the runner shut down while the run was in progress");
      else if (run.cancel.signal.aborted && final.type === "error") final = { type: "error", code: "internal", message: "the run was cancelled", retryable: true, sessionId: final.sessionId };
      try {
        await this.append(run, final);
      } finally {
        release();
        this.live.delete(request.runId);
      }
      log(`run ${request.runId} workspace=${request.workspaceId} op=${request.operation} -> ${final.type === "result" ? `result ${final.sessionId}` : `error ${final.code}`}`);
    })();
    return run;
  }

  /** Writes the event to the log, then hands it to followers; resolves once it is on disk. */
  private append(run: LiveRun, event: RunEvent): Promise<void> {
    run.assigned += 1;
    const logged: LoggedEvent = { ...event, seq: run.assigned };
    run.writing = run.writing.then(async () => {
      try {
        await appendEvent(run.files, logged);
      } catch (err) {
        // Followers still get the event from memory; only a restart would lose it.
        this.options.log(`run ${run.runId}: could not log event ${logged.seq}: ${err instanceof Error ? err.message : String(err)}`);
      }
      run.events.push(logged);
      const final = finalOf(logged);
      if (final !== null) {
        run.final = final;
        run.finishedAt = Date.now();
      }
      for (const listener of run.listeners) listener(logged);
    });
    return run.writing;
  }

  async get(runId: string): Promise<RunView | null> {
    const live = this.live.get(runId);
    if (live !== undefined) return live;
    const stored = await readRunLog(runFiles(this.options.config.dataDir, runId));
    return stored === null ? null : { runId, ...stored };
  }

  /**
   * Calls `listener` with every event after `afterSeq` (those already logged at once, then
   * new ones as they are written) until the final one. Returns the unsubscribe function,
   * or null when nothing more will come (the run is not live here).
   */
  follow(run: RunView, afterSeq: number, listener: (event: LoggedEvent) => void): (() => void) | null {
    for (const event of run.events) if (event.seq > afterSeq) listener(event);
    const live = this.live.get(run.runId);
    if (live === undefined || live !== run || run.final !== null) return null;
    live.listeners.add(listener);
    return () => live.listeners.delete(listener);
  }

  /** Asks a live run to stop; it ends with a retryable `internal` error. */
  cancel(runId: string): void {
    this.live.get(runId)?.cancel.abort();
  }

  /** Waits (bounded) for runs stopped by the shutdown signal to log their final event. */
  async drain(timeoutMs: number): Promise<void> {
    const settled = Promise.allSettled([...this.live.values()].map((run) => run.settled));
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }
}

export function statusOf(run: RunView): RunStatus {
  return {
    runId: run.runId,
    workspaceId: run.request.workspaceId,
    operation: run.request.operation,
    state: run.final === null ? "running" : "finished",
    lastSeq: run.events.at(-1)?.seq ?? 0,
    final: run.final,
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: run.finishedAt === null ? null : new Date(run.finishedAt).toISOString(),
  };
}

function nextSeq(events: readonly LoggedEvent[]): number {
  return (events.at(-1)?.seq ?? 0) + 1;
}

function lostEvent(message: string): ErrorEvent {
  return { type: "error", code: "run_lost", message, retryable: true, sessionId: null };
}
