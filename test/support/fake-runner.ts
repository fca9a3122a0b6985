// A stand-in for the Claude runner in the core tests: it speaks the runner protocol
// (docs/runner-protocol.md, validated with the same zod schemas) and keeps sessions,
// transcripts and workspaces in memory. The real runner, with the real Claude Code
// engine, has its own tests; here the point is the Durable Object's behaviour, so
// failures, delays and container loss can be scripted per project over /__fake/.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hashFiles, toFingerprint } from "../../container/src/fingerprint.ts";
import type { FileHashes } from "../../container/src/fingerprint.ts";
import type { RunErrorCode, RunEvent, RunRequest } from "../../container/src/protocol.ts";
import { RunRequest as RunRequestSchema, SnapshotPutRequest } from "../../container/src/protocol.ts";

export interface ScriptedFailure {
  operation?: RunRequest["operation"];
  /** Only runs that resume (true) or start fresh (false). */
  resuming?: boolean;
  /** An error event with this code, or an HTTP status before streaming. */
  code?: RunErrorCode;
  status?: number;
  retryable?: boolean;
  /** How many matching runs fail; default 1. */
  count?: number;
  /** Stream cut without a final event. */
  cut?: boolean;
  /** Half-edit the workspace before failing (as a run cut mid-way would). */
  dirty?: boolean;
}

interface Call {
  operation: RunRequest["operation"];
  resumeSessionId: string | null;
  forkSession: boolean;
  prompt: string;
  versionNumber: number | null;
  metadataContext: RunRequest["metadataContext"];
  handoff: string | null;
  cacheTtl: RunRequest["cacheTtl"];
  outcome: string;
  sessionIdOut: string | null;
}

interface ProjectState {
  files: Map<string, string>;
  sessions: Map<string, string[]>;
  corrupted: Set<string>;
  failures: ScriptedFailure[];
  delayMs: number;
  busy: boolean;
  overlaps: number;
  calls: Call[];
  /** File hashes the last successful run (or snapshot import) left: the baseline for `changes`. */
  previous: FileHashes | null;
}

/** The real runner's fingerprint rules, applied to the in-memory workspace. */
function hashes(files: Map<string, string>): FileHashes {
  return hashFiles([...files].map(([path, content]) => ({ path, content: Buffer.from(content) })));
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

const errorBody = (code: string, message: string) => ({ error: { code, message } });

export interface FakeRunner {
  url: string;
  close(): Promise<void>;
}

export async function startFakeRunner(): Promise<FakeRunner> {
  const projects = new Map<string, ProjectState>();
  const state = (id: string): ProjectState => {
    let p = projects.get(id);
    if (p === undefined) {
      p = { files: new Map(), sessions: new Map(), corrupted: new Set(), failures: [], delayMs: 0, busy: false, overlaps: 0, calls: [], previous: null };
      projects.set(id, p);
    }
    return p;
  };

  async function run(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let parsed: RunRequest;
    try {
      const result = RunRequestSchema.safeParse(JSON.parse(await body(req)));
      if (!result.success) return json(res, 400, errorBody("bad_request", result.error.issues.map((i) => i.message).join("; ")));
      parsed = result.data;
    } catch {
      return json(res, 400, errorBody("bad_request", "body is not JSON"));
    }
    const p = state(parsed.projectId);
    const call: Call = {
      operation: parsed.operation,
      resumeSessionId: parsed.resumeSessionId,
      forkSession: parsed.forkSession,
      prompt: parsed.prompt,
      versionNumber: parsed.versionNumber ?? null,
      metadataContext: parsed.metadataContext,
      handoff: parsed.handoff,
      cacheTtl: parsed.cacheTtl,
      outcome: "pending",
      sessionIdOut: null,
    };
    p.calls.push(call);
    if (p.busy) {
      p.overlaps += 1;
      call.outcome = "busy";
      return json(res, 409, errorBody("busy", "a run for this project is in progress"));
    }
    const resuming = parsed.resumeSessionId !== null;
    const failure = p.failures.find((f) => (f.count ?? 1) > 0 && (f.operation === undefined || f.operation === parsed.operation) && (f.resuming === undefined || f.resuming === resuming));
    if (failure !== undefined) failure.count = (failure.count ?? 1) - 1;
    if (failure?.status !== undefined) {
      call.outcome = `http_${failure.status}`;
      return json(res, failure.status, errorBody(failure.status === 409 ? "busy" : "internal", "scripted failure"));
    }
    p.busy = true;
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    const send = (event: RunEvent): void => {
      res.write(`${JSON.stringify(event)}\n`);
    };
    try {
      send({ type: "started", runId: parsed.runId, operation: parsed.operation, resumeSessionId: parsed.resumeSessionId });
      if (p.delayMs > 0) await new Promise((r) => setTimeout(r, p.delayMs));
      if (failure?.dirty === true) p.files.set("src/half-done.txt", `partial edit by ${parsed.runId}`);
      if (failure?.cut === true) {
        call.outcome = "cut";
        return;
      }
      const fail = (code: RunErrorCode, message: string, retryable: boolean, sessionId: string | null = null): void => {
        call.outcome = code;
        send({ type: "error", code, message, retryable, sessionId });
      };
      if (failure?.code !== undefined) {
        return fail(failure.code, "scripted failure", failure.retryable ?? failure.code === "overloaded", failure.code === "compact_failed" ? parsed.resumeSessionId : null);
      }
      let history: string[] = [];
      if (parsed.resumeSessionId !== null) {
        const transcript = p.sessions.get(parsed.resumeSessionId);
        if (transcript === undefined) return fail("session_not_found", `No conversation found with session ID: ${parsed.resumeSessionId}`, false);
        if (p.corrupted.has(parsed.resumeSessionId)) return fail("session_corrupted", "transcript cannot be used", false);
        history = transcript;
      }
      const sessionId = parsed.resumeSessionId !== null && !parsed.forkSession ? parsed.resumeSessionId : randomUUID();
      send({ type: "session", sessionId });
      if (parsed.operation === "build" || parsed.operation === "update") {
        const n = p.calls.filter((c) => c.operation === parsed.operation).length;
        const path = `src/${parsed.operation}-${n}.txt`;
        p.files.set(path, parsed.prompt);
        send({ type: "tool_use", name: "Write", target: path });
      }
      const turn = JSON.stringify({ type: "user", sessionId, operation: parsed.operation, prompt: parsed.prompt });
      p.sessions.set(sessionId, [...history.map((line) => JSON.stringify({ ...(JSON.parse(line) as object), sessionId })), turn]);
      send({ type: "assistant_text", text: `done: ${parsed.operation}` });
      // Usage shaped like the real thing: a resumed run reads its history from cache.
      const context = 2000 + history.length * 800;
      const usage = resuming
        ? { inputTokens: 200, outputTokens: 300, cacheCreationInputTokens: 800, cacheReadInputTokens: context }
        : { inputTokens: 200, outputTokens: 300, cacheCreationInputTokens: context + 4000, cacheReadInputTokens: 0 };
      const costUsd = (usage.inputTokens * 3 + usage.outputTokens * 15 + usage.cacheCreationInputTokens * 3.75 + usage.cacheReadInputTokens * 0.3) / 1e6;
      const current = hashes(p.files);
      const fp = toFingerprint(current, p.previous);
      p.previous = current;
      call.outcome = "ok";
      call.sessionIdOut = sessionId;
      send({
        type: "result", sessionId, usage, totalCostUsd: costUsd, costUsd, durationMs: resuming ? 800 : 1500, numTurns: resuming ? 2 : 4, contextTokens: context + 1000,
        workspaceBytes: [...p.files.values()].reduce((sum, content) => sum + Buffer.byteLength(content), 0),
        toolCalls: resuming ? 1 : 3, filesRead: resuming ? 0 : 2, refusedToolCalls: 0, text: "ok",
        metadata: parsed.operation === "metadata" ? { recommendations: ["add tests"], documentation: `# Project\n${p.files.size} files` } : null,
        fingerprint: fp,
      });
    } finally {
      p.busy = false;
      res.end();
    }
  }

  async function control(projectId: string, action: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const p = state(projectId);
    const input = req.method === "POST" ? (JSON.parse((await body(req)) || "{}") as Record<string, unknown>) : {};
    switch (action) {
      case "failures":
        p.failures.push(...(input["failures"] as ScriptedFailure[]));
        return json(res, 200, { ok: true });
      case "delay":
        p.delayMs = Number(input["ms"]);
        return json(res, 200, { ok: true });
      case "corrupt":
        p.corrupted.add(String(input["sessionId"]));
        return json(res, 200, { ok: true });
      case "wipe":
        projects.delete(projectId);
        return json(res, 200, { ok: true });
      case "files":
        p.files = new Map(Object.entries(input["files"] as Record<string, string>));
        return json(res, 200, { ok: true });
      case "calls":
        return json(res, 200, { calls: p.calls, overlaps: p.overlaps, files: Object.fromEntries(p.files), sessions: [...p.sessions.keys()] });
      default:
        return json(res, 404, errorBody("not_found", "no such control"));
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (req.method === "GET" && url.pathname === "/healthz") return json(res, 200, { ok: true, engine: "fake" });
    if (req.method === "POST" && url.pathname === "/v1/runs") return run(req, res);
    if (parts[0] === "__fake" && parts[1] === "projects" && parts[2] !== undefined && parts[3] !== undefined) return control(parts[2], parts[3], req, res);
    if (parts[0] !== "v1" || parts[1] !== "projects" || parts[2] === undefined) return json(res, 404, errorBody("not_found", "no such route"));
    const p = state(parts[2]);
    if (parts[3] === "workspace" && parts.length === 4 && req.method === "GET") return json(res, 200, { fingerprint: toFingerprint(hashes(p.files), p.previous) });
    if (parts[3] === "workspace" && parts[4] === "snapshot") {
      if (req.method === "GET") {
        const files = [...p.files.entries()].map(([path, content]) => ({ path, contentBase64: Buffer.from(content).toString("base64") }));
        return json(res, 200, { files, fingerprint: toFingerprint(hashes(p.files), p.previous) });
      }
      if (p.busy) return json(res, 409, errorBody("busy", "run in progress"));
      const snapshot = SnapshotPutRequest.parse(JSON.parse(await body(req)));
      p.files = new Map(snapshot.files.map((f) => [f.path, Buffer.from(f.contentBase64, "base64").toString("utf8")]));
      p.previous = hashes(p.files);
      return json(res, 200, { fingerprint: toFingerprint(p.previous, null) });
    }
    if (parts[3] === "sessions" && parts[4] !== undefined) {
      const sessionId = parts[4];
      const transcript = p.sessions.get(sessionId);
      if (parts[5] === undefined && req.method === "GET") {
        return transcript === undefined ? json(res, 404, errorBody("session_not_found", "no transcript")) : json(res, 200, { sessionId, transcriptBytes: transcript.join("\n").length });
      }
      if (parts[5] === "transcript" && req.method === "GET") {
        if (transcript === undefined) return json(res, 404, errorBody("session_not_found", "no transcript"));
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        return void res.end(`${transcript.join("\n")}\n`);
      }
      if (parts[5] === "transcript" && req.method === "PUT") {
        const lines = (await body(req)).split("\n").filter((l) => l.trim() !== "");
        for (const line of lines) {
          const value = JSON.parse(line) as { sessionId?: string };
          if (value.sessionId !== sessionId) return json(res, 400, errorBody("bad_request", "transcript names another session"));
        }
        p.sessions.set(sessionId, lines);
        res.writeHead(204);
        return void res.end();
      }
    }
    return json(res, 404, errorBody("not_found", "no such route"));
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, errorBody("internal", String(err)));
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
