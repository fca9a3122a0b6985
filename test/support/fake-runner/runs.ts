// Runs in the fake runner: started detached from the request (idempotent by run id), their
// events logged with sequence numbers, followed from any offset, lost when the "process"
// restarts. The work itself is a stand-in for Claude: it writes a file and a transcript
// line and reports usage shaped like the real thing.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { factsOf } from "../../../container/src/file-facts.ts";
import { toFingerprint } from "../../../container/src/fingerprint.ts";
import type { ErrorEvent, LoggedEvent, RunErrorCode, RunEvent, RunRequest, RunStatus } from "../../../container/src/protocol.ts";
import { EVENTS_HEARTBEAT_MS, FinalEvent, RunRequest as RunRequestSchema } from "../../../container/src/protocol.ts";
import { body, errorBody, json } from "./http.ts";
import type { Call, FakeRun, ScriptedFailure, WorkspaceState } from "./state.ts";
import { hashes } from "./state.ts";

export class FakeRuns {
  readonly runs = new Map<string, FakeRun>();
  private readonly workspace: (id: string) => WorkspaceState;
  constructor(workspace: (id: string) => WorkspaceState) {
    this.workspace = workspace;
  }

  status(run: FakeRun): RunStatus {
    const last = run.events.at(-1);
    const final = run.finished && last !== undefined && (last.type === "result" || last.type === "error") ? FinalEvent.parse(last) : null;
    return {
      runId: run.request.runId,
      workspaceId: run.request.workspaceId,
      operation: run.request.operation,
      state: run.finished ? "finished" : "running",
      lastSeq: last?.seq ?? 0,
      final,
      startedAt: new Date(run.startedAt).toISOString(),
      finishedAt: null,
    };
  }

  async post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let request: RunRequest;
    try {
      const parsed = RunRequestSchema.safeParse(JSON.parse(await body(req)));
      if (!parsed.success) return json(res, 400, errorBody("bad_request", parsed.error.issues.map((i) => i.message).join("; ")));
      request = parsed.data;
    } catch {
      return json(res, 400, errorBody("bad_request", "body is not JSON"));
    }
    const existing = this.runs.get(request.runId);
    if (existing !== undefined) {
      if (JSON.stringify(existing.request) !== JSON.stringify(request)) return json(res, 409, errorBody("conflict", "run id used for another request"));
      return json(res, 200, { run: this.status(existing) });
    }
    const ws = this.workspace(request.workspaceId);
    const call: Call = { runId: request.runId, operation: request.operation, resumeSessionId: request.resumeSessionId, forkSession: request.forkSession, prompt: request.prompt, versionNumber: request.versionNumber ?? null, metadataContext: request.metadataContext, documentationPatch: request.documentationPatch, model: request.model, handoff: request.handoff, cacheTtl: request.cacheTtl, versionLog: request.versionLog, outcome: "pending", sessionIdOut: null };
    ws.calls.push(call);
    if (ws.busy !== null) {
      ws.overlaps += 1;
      call.outcome = "busy";
      return json(res, 409, errorBody("busy", "a run for this workspace is in progress"));
    }
    const resuming = request.resumeSessionId !== null;
    const failure = ws.failures.find((f) => (f.count ?? 1) > 0 && (f.operation === undefined || f.operation === request.operation) && (f.resuming === undefined || f.resuming === resuming));
    if (failure !== undefined) failure.count = (failure.count ?? 1) - 1;
    if (failure?.status !== undefined) {
      call.outcome = `http_${failure.status}`;
      return json(res, failure.status, errorBody(failure.status === 409 ? "busy" : "internal", "scripted failure"));
    }
    const run: FakeRun = {
      request,
      call,
      events: [],
      finished: false,
      startedAt: Date.now(),
      listeners: new Set(),
      starts: 1,
      follows: 0,
      openFollows: 0,
      cutsLeft: failure?.cut === true ? 1 : 0,
      release: null,
      killed: false,
      cancelled: false,
    };
    this.runs.set(request.runId, run);
    ws.busy = request.runId;
    void this.execute(run, ws, call, failure).finally(() => {
      if (ws.busy === request.runId) ws.busy = null;
    });
    json(res, 202, { run: this.status(run) });
  }

  private append(run: FakeRun, event: RunEvent): void {
    if (run.killed || run.finished) return;
    const logged: LoggedEvent = { ...event, seq: run.events.length + 1 };
    run.events.push(logged);
    if (event.type === "result" || event.type === "error") run.finished = true;
    for (const listener of run.listeners) listener(logged);
  }

  private async execute(run: FakeRun, ws: WorkspaceState, call: Call, failure: ScriptedFailure | undefined): Promise<void> {
    const { request } = run;
    const send = (event: RunEvent): void => this.append(run, event);
    const fail = (code: RunErrorCode, message: string, retryable: boolean, sessionId: string | null = null): void => {
      call.outcome = code;
      send({ type: "error", code, message, retryable, sessionId });
    };
    send({ type: "started", runId: request.runId, operation: request.operation, resumeSessionId: request.resumeSessionId });
    if (failure?.dirty === true) ws.files.set("src/half-done.txt", Buffer.from(`partial edit by ${request.runId}`));
    if (ws.hold.has(request.operation)) await new Promise<void>((resolve) => (run.release = resolve));
    run.release = null;
    if (ws.delayMs > 0) await new Promise((r) => setTimeout(r, ws.delayMs));
    if (run.killed) return;
    if (run.cancelled) return fail("internal", "the run was cancelled", true);
    if (failure?.lost === true) return fail("run_lost", "the runner restarted while the run was in progress", true);
    if (failure?.findings !== undefined) {
      call.outcome = "transcript_invalid";
      return send({ type: "error", code: "transcript_invalid", message: "scripted failure", retryable: false, sessionId: null, findings: failure.findings });
    }
    if (failure?.code !== undefined) {
      return fail(failure.code, "scripted failure", failure.retryable ?? failure.code === "overloaded", failure.code === "compact_failed" ? request.resumeSessionId : null);
    }
    let history: string[] = [];
    if (request.resumeSessionId !== null) {
      const transcript = ws.sessions.get(request.resumeSessionId);
      if (transcript === undefined) return fail("session_not_found", `No conversation found with session ID: ${request.resumeSessionId}`, false);
      if (ws.corrupted.has(request.resumeSessionId)) return fail("session_corrupted", "transcript cannot be used", false);
      history = transcript;
    }
    const resuming = request.resumeSessionId !== null;
    const sessionId = resuming && !request.forkSession && request.resumeSessionId !== null ? request.resumeSessionId : randomUUID();
    send({ type: "session", sessionId });
    // Scripted edits: "(no change)" edits nothing; "remove <path>" deletes that file; anything else writes a new one.
    const removed = /^remove (\S+)$/.exec(request.prompt)?.[1];
    if (request.operation === "update" && removed !== undefined) {
      ws.files.delete(removed);
      send({ type: "tool_use", name: "Write", target: removed });
    } else if ((request.operation === "build" || request.operation === "update") && request.prompt !== "(no change)") {
      const n = ws.calls.filter((c) => c.operation === request.operation).length;
      const path = `src/${request.operation}-${n}.txt`;
      ws.files.set(path, Buffer.from(request.prompt));
      send({ type: "tool_use", name: "Write", target: path });
    }
    // About a kilobyte per turn, as a real turn's lines are several: deltas pay off from the second step.
    const turn = JSON.stringify({ type: "user", sessionId, operation: request.operation, prompt: request.prompt, content: `${request.runId} `.repeat(40) });
    ws.sessions.set(sessionId, [...history.map((line) => JSON.stringify({ ...(JSON.parse(line) as object), sessionId })), turn]);
    send({ type: "assistant_text", text: `done: ${request.operation}` });
    // Usage shaped like the real thing: a resumed run reads its history from cache.
    const context = 2000 + history.length * 800;
    // Scripted expiry: the resumed history is written again, as the model proxy would report it.
    const expiredMinutes = resuming ? ws.expireCacheMinutes : null;
    ws.expireCacheMinutes = resuming ? null : ws.expireCacheMinutes;
    const usage = expiredMinutes !== null
      ? { inputTokens: 200, outputTokens: 300, cacheCreationInputTokens: context + 800, cacheReadInputTokens: 0 }
      : resuming
        ? { inputTokens: 200, outputTokens: 300, cacheCreationInputTokens: 800, cacheReadInputTokens: context }
        : { inputTokens: 200, outputTokens: 300, cacheCreationInputTokens: context + 4000, cacheReadInputTokens: 0 };
    const misses = expiredMinutes === null ? [] : [
      { cause: "ttl_expired" as const, block: `message ${history.length + 1}`, tokens: context, call: 1, history: true, ageSeconds: expiredMinutes * 60, ttl: "5m" as const, minTokens: null, detail: null },
    ];
    const costUsd = (usage.inputTokens * 3 + usage.outputTokens * 15 + usage.cacheCreationInputTokens * 3.75 + usage.cacheReadInputTokens * 0.3) / 1e6;
    const current = hashes(ws.files);
    const fingerprint = toFingerprint(current, ws.previous);
    ws.previous = current;
    call.outcome = "ok";
    call.sessionIdOut = sessionId;
    const repair = request.resumeSessionId === null ? undefined : ws.repairs.get(request.resumeSessionId);
    send({
      type: "result", sessionId, usage, totalCostUsd: costUsd, costUsd, durationMs: resuming ? 800 : 1500, numTurns: resuming ? 2 : 4, contextTokens: context + 1000,
      workspaceBytes: [...ws.files.values()].reduce((sum, content) => sum + content.length, 0),
      toolCalls: resuming ? 1 : 3, filesRead: resuming ? 0 : 2, refusedToolCalls: 0, text: "ok",
      metadata: request.operation === "metadata" && request.documentationPatch === null ? { recommendations: ["add tests"], documentation: `# Project\n${ws.files.size} files` } : null,
      // The lean step: one entry per changed path it was asked about, facts computed as the runner does.
      ...(request.operation === "metadata" && request.documentationPatch !== null
        ? {
            metadataPatch: { recommendations: ["add tests"], entries: Object.fromEntries(request.documentationPatch.changed.map((c) => [c.path, `describes ${c.path}`])) },
            fileFacts: [...ws.files].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, content]) => factsOf({ path, content })),
          }
        : {}),
      fingerprint,
      // What the model proxy would report for that usage: two calls, a miss only when scripted.
      cache: { calls: 2, readTokens: usage.cacheReadInputTokens, writeTokens: usage.cacheCreationInputTokens, writeTokens1h: 0, misses, moreMissTokens: 0 },
      ...(repair === undefined || request.resumeSessionId === null ? {} : { transcriptRepair: { sessionId: request.resumeSessionId, copySessionId: sessionId, findings: repair } }),
    });
  }

  /** GET /v1/runs/:id/events?after=N: logged events after N, then live ones to the final. */
  follow(run: FakeRun, after: number, res: ServerResponse): void {
    run.follows += 1;
    run.openFollows += 1;
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    res.flushHeaders();
    const write = (event: LoggedEvent | null): void => {
      if (res.writableEnded) return;
      if (event === null) return void res.destroy();
      const final = event.type === "result" || event.type === "error";
      if (final && run.cutsLeft > 0) {
        // Scripted: the connection breaks just before the final event.
        run.cutsLeft -= 1;
        res.end();
        return;
      }
      res.write(`${JSON.stringify(event)}\n`);
      if (final) res.end();
    };
    for (const event of run.events) if (event.seq > after) write(event);
    if (run.finished) {
      if (!res.writableEnded) res.end();
    } else {
      run.listeners.add(write);
    }
    // Like the real runner: a blank line now and then while the run is live.
    const heartbeat = setInterval(() => {
      if (!res.writableEnded && !res.destroyed) res.write("\n");
    }, EVENTS_HEARTBEAT_MS);
    res.on("close", () => {
      clearInterval(heartbeat);
      run.listeners.delete(write);
      run.openFollows -= 1;
    });
  }

  cancel(run: FakeRun): void {
    run.cancelled = true;
    run.release?.();
  }

  /**
   * The runner process stops. A restart keeps the disk: live runs are logged as lost. A
   * wipe (the container's disk is gone) forgets the workspace's runs altogether.
   */
  stopWorkspace(workspaceId: string, keepLog: boolean): void {
    for (const [runId, run] of this.runs) {
      if (run.request.workspaceId !== workspaceId) continue;
      if (!run.finished) {
        const lost: ErrorEvent = { type: "error", code: "run_lost", message: "the runner restarted while the run was in progress", retryable: true, sessionId: null };
        run.call.outcome = "run_lost";
        if (keepLog) this.append(run, lost);
        else for (const listener of run.listeners) listener(null);
        run.killed = true;
        run.release?.();
      }
      if (!keepLog) this.runs.delete(runId);
    }
  }
}
