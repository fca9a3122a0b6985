// Following a run's event stream (docs/runner-protocol.md): a live stream carries heartbeats,
// so the follower can tell a quiet model turn from a connection that died without closing.
// Before heartbeats, a silently stalled stream held the Durable Object until its invocation
// budget ran out (10 minutes in production), seen under load in the benchmark.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRunner } from "../../container/src/server.ts";
import type { RunningRunner } from "../../container/src/server.ts";
import type { LoggedEvent } from "../../container/src/protocol.ts";
import { startSimulator } from "../../scripts/simulator/server.ts";
import type { Simulator } from "../../scripts/simulator/server.ts";
import { HttpRunnerClient } from "../../src/runner/http-client.ts";
import { startGate } from "../support/gate.ts";
import type { Gate } from "../support/gate.ts";

let sim: Simulator;
let gate: Gate;
let runner: RunningRunner;
let dataDir: string;

beforeAll(async () => {
  sim = await startSimulator({ latencyScale: 0, seed: 11 });
  gate = await startGate(sim.url);
  dataDir = await mkdtemp(path.join(tmpdir(), "run-stream-"));
  runner = await startRunner({
    dataDir,
    token: null,
    env: { ANTHROPIC_BASE_URL: gate.url, ANTHROPIC_API_KEY: "sim-key", RUNNER_ENGINE_MAX_RETRIES: "0", RUNNER_MAX_TURNS: "12", RUNNER_EVENTS_HEARTBEAT_MS: "100" },
    log: () => {},
  });
});

afterAll(async () => {
  await runner?.close();
  await gate?.stop();
  await sim?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

function client(baseUrl: string, streamIdleMs: number): HttpRunnerClient {
  const base = new URL(baseUrl);
  return new HttpRunnerClient({
    transport: (request) => {
      const target = new URL(request.url);
      target.host = base.host;
      return fetch(new Request(target, request));
    },
    token: "",
    callTimeoutMs: 30_000,
    deadline: Date.now() + 120_000,
    streamIdleMs,
  });
}

/** A server that answers the events route with one event, then holds the connection silent. */
async function stallingServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    res.write(`${JSON.stringify({ seq: 1, type: "started", runId: "stall-1", operation: "update", resumeSessionId: null })}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("run event streams", () => {
  it("a stream that goes silent without closing ends as broken after the idle limit, with the events read so far", async () => {
    const { url, server } = await stallingServer();
    try {
      const seen: LoggedEvent[] = [];
      const end = await client(url, 300).followRun("stall-1", 0, (event) => seen.push(event), new AbortController().signal);
      expect(end).toMatchObject({ kind: "broken" });
      expect(end.kind === "broken" ? end.message : "").toMatch(/went quiet/);
      expect(seen.map((e) => e.seq)).toEqual([1]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("a live run that is quiet (its model call held) keeps its stream alive with heartbeats past the idle limit", async () => {
    gate.close();
    const follower = client(runner.url, 400);
    await follower.startRun({ runId: "quiet-1", workspaceId: "quiet", operation: "build", prompt: "create q.txt with q", resumeSessionId: null, forkSession: true });
    const seen: LoggedEvent[] = [];
    const following = follower.followRun("quiet-1", 0, (event) => seen.push(event), new AbortController().signal);
    // Held well past the follower's idle limit: only heartbeats cross the stream meanwhile.
    await new Promise((r) => setTimeout(r, 1500));
    gate.open();
    const end = await following;
    expect(end.kind, JSON.stringify(end)).toBe("final");
    expect(seen[0]?.type).toBe("started");
  });
});
