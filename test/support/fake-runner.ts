// A stand-in for the Claude runner in the core tests: it speaks the runner protocol
// (docs/runner-protocol.md, validated with the same zod schemas) and keeps sessions,
// transcripts, workspaces and run logs in memory. The real runner, with the real Claude
// Code engine, has its own tests; here the point is the Durable Object's behaviour, so
// failures, delays, held runs and container loss can be scripted per workspace over /__fake/.
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { body, errorBody, json } from "./fake-runner/http.ts";
import { FakeRuns } from "./fake-runner/runs.ts";
import type { ScriptedFailure, WorkspaceState } from "./fake-runner/state.ts";
import { manifestOf, newWorkspace } from "./fake-runner/state.ts";
import { workspaceRoute } from "./fake-runner/workspace.ts";
import type { TranscriptFinding } from "../../container/src/protocol.ts";

export type { ScriptedFailure } from "./fake-runner/state.ts";

export interface FakeRunner {
  url: string;
  close(): Promise<void>;
}

export async function startFakeRunner(): Promise<FakeRunner> {
  const workspaces = new Map<string, WorkspaceState>();
  const state = (id: string): WorkspaceState => {
    let ws = workspaces.get(id);
    if (ws === undefined) {
      ws = newWorkspace();
      workspaces.set(id, ws);
    }
    return ws;
  };
  const runs = new FakeRuns(state);

  async function control(workspaceId: string, action: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ws = state(workspaceId);
    const input = req.method === "POST" ? (JSON.parse((await body(req)) || "{}") as Record<string, unknown>) : {};
    const ok = (): void => json(res, 200, { ok: true });
    switch (action) {
      case "failures":
        ws.failures.push(...(input["failures"] as ScriptedFailure[]));
        return ok();
      case "expire_cache":
        ws.expireCacheMinutes = Number(input["minutes"]);
        return ok();
      case "delay":
        ws.delayMs = Number(input["ms"]);
        return ok();
      case "corrupt":
        ws.corrupted.add(String(input["sessionId"]));
        return ok();
      case "repair":
        ws.repairs.set(String(input["sessionId"]), input["findings"] as TranscriptFinding[]);
        return ok();
      case "wipe":
        // The container's disk is gone: workspace, transcripts and run logs.
        runs.stopWorkspace(workspaceId, false);
        workspaces.delete(workspaceId);
        return ok();
      case "restart":
        // The runner process restarts on the same disk: runs in progress are lost.
        runs.stopWorkspace(workspaceId, true);
        ws.busy = null;
        return ok();
      case "files":
        ws.files = new Map(Object.entries(input["files"] as Record<string, string>).map(([path, text]) => [path, Buffer.from(text)]));
        return ok();
      case "generate": {
        // Deterministic large files: `count` files of `bytes` each, distinct per seed and index.
        const count = Number(input["count"]);
        const size = Number(input["bytes"]);
        const seed = String(input["seed"]);
        for (let i = 0; i < count; i++) ws.files.set(`data/${seed}-${i}.bin`, Buffer.alloc(size, `${seed}:${i}:`));
        return ok();
      }
      case "hold":
        ws.hold.add(String(input["operation"]));
        return ok();
      case "release":
        ws.hold.clear();
        for (const run of runs.runs.values()) if (run.request.workspaceId === workspaceId) run.release?.();
        return ok();
      case "refuse-imports":
        ws.refuseImports = { count: Number(input["count"]), status: Number(input["status"] ?? 500) };
        return ok();
      case "botch-imports":
        ws.botchImports = Number(input["count"]);
        return ok();
      case "calls":
        return json(res, 200, {
          calls: ws.calls,
          overlaps: ws.overlaps,
          files: Object.fromEntries([...ws.files].map(([path, content]) => [path, content.toString("utf8")])),
          sessions: [...ws.sessions.keys()],
          exports: ws.exports,
          transcriptImports: ws.transcriptImports,
          forks: ws.forks,
        });
      case "runs": {
        const list = [...runs.runs.entries()].filter(([, run]) => run.request.workspaceId === workspaceId);
        return json(res, 200, {
          runs: Object.fromEntries(list.map(([runId, run]) => [runId, { operation: run.request.operation, starts: run.starts, follows: run.follows, openFollows: run.openFollows, finished: run.finished, held: run.release !== null }])),
        });
      }
      case "tree": {
        const manifest = manifestOf(ws.files);
        return json(res, 200, { treeHash: manifest.treeHash, fileCount: manifest.files.length, bytes: manifest.files.reduce((n, f) => n + f.size, 0), imports: ws.imports });
      }
      default:
        return json(res, 404, errorBody("not_found", "no such control"));
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (req.method === "GET" && url.pathname === "/healthz") return json(res, 200, { ok: true, engine: "fake" });
    if (parts[0] === "__fake" && parts[1] === "projects" && parts[2] !== undefined && parts[3] !== undefined) return control(parts[2], parts[3], req, res);
    if (parts[0] === "v1" && parts[1] === "runs") {
      if (parts[2] === undefined) return req.method === "POST" ? runs.post(req, res) : json(res, 405, errorBody("method_not_allowed", "POST only"));
      const run = runs.runs.get(parts[2]);
      if (run === undefined) return json(res, 404, errorBody("run_not_found", "no such run"));
      if (parts[3] === "events" && req.method === "GET") return runs.follow(run, Number(url.searchParams.get("after") ?? "0"), res);
      if (parts[3] === undefined && req.method === "GET") return json(res, 200, { run: runs.status(run) });
      if (parts[3] === undefined && req.method === "DELETE") {
        runs.cancel(run);
        return json(res, 200, { run: runs.status(run) });
      }
    }
    if (parts[0] === "v1" && parts[1] === "workspaces" && parts[2] !== undefined) return workspaceRoute(state(parts[2]), parts.slice(3), req, res);
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
