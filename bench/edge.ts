// The edge layer itself: latency of update acknowledgements and job reads through the
// Worker (JWT, validation, Durable Object, Postgres) under concurrent load across many
// projects, against requests of similar weight sent straight to the runner, so the
// overhead shows as a ratio; and the Postgres round trips of the updates it made.
//
// The jobs these updates start run on the fake runner (test/support/fake-runner.ts): the
// Durable Object pipeline is the same, but 50 concurrent Claude Code processes would
// otherwise share this machine's cores with the Worker and measure the laptop, not the
// edge layer (in production the runner is a separate container). The "runner directly"
// requests go to the real runner process, which is idle apart from them.
import { startFakeRunner } from "../test/support/fake-runner.ts";
import { settle, withBenchStack } from "./bench-stack.ts";
import { ApiClient } from "./client.ts";
import type { BenchOptions } from "./options.ts";
import { mapLimit, timed } from "./pool.ts";
import { prng, spread } from "./stats.ts";
import type { EdgeResult, LatencyPair } from "./types.ts";

const SETUP_CONCURRENCY = 10;

function pair(edge: number[], runner: number[]): LatencyPair {
  const e = spread(edge);
  const r = spread(runner);
  const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : a / b);
  return { edge: e, runner: r, ratioP50: ratio(e.p50, r.p50), ratioP99: ratio(e.p99, r.p99) };
}

export async function runEdge(options: BenchOptions, log: (line: string) => void): Promise<EdgeResult> {
  const fake = await startFakeRunner();
  try {
    const vars = { RUNNER_URL: fake.url, SESSION_RESUME_ENABLED: "true", COMPACTION_POLICY: "never" };
    return await withBenchStack({ vars, latencyScale: 0, seed: options.seed }, async ({ stack, db }) => {
      const api = await ApiClient.create(stack.url, stack.authSecret, "bench-edge");
      const auth = api.headers();
      const indexes = Array.from({ length: options.projects }, (_, i) => i);
      const projects = await mapLimit(indexes, SETUP_CONCURRENCY, async (i) => {
        const created = await api.createProject(`edge-${i}`, `create README.md with # edge ${i}`);
        await api.finished(created.project.id, created.job.id, 120_000, 50);
        return created.project.id;
      });
      const snapshot = (i: number, round: number): string =>
        JSON.stringify({ files: [{ path: "README.md", contentBase64: Buffer.from(`# edge ${i}\nround ${round}\n`).toString("base64") }] });
      const runnerPut = (id: string, body: string): Promise<Response> =>
        fetch(`${stack.runnerUrl}/v1/projects/${id}/workspace/snapshot`, { method: "PUT", headers: { "content-type": "application/json" }, body });
      const runnerGet = (id: string): Promise<Response> => fetch(`${stack.runnerUrl}/v1/projects/${id}/workspace`);
      // Warm both paths (first requests compile code and open connections); not measured.
      await mapLimit(projects, SETUP_CONCURRENCY, async (id, i) => {
        await timed(() => runnerPut(id, snapshot(i, 0)), 200);
        await timed(() => runnerGet(id), 200);
        await timed(() => fetch(`${stack.url}/v1/projects/${id}`, { headers: auth }), 200);
      });
      log(`edge: ${projects.length} projects ready`);
      await settle(db);
      const before = db.roundTrips();

      // Every project is one client; all clients run at once, and each sends its edge and
      // runner requests in a seeded random order so both see the same load.
      const random = prng(options.seed);
      const order = (): boolean => random() < 0.5;
      const ack = { edge: [] as number[], runner: [] as number[] };
      const lastJob = new Map<string, string>();
      await Promise.all(projects.map(async (id, i) => {
        for (let round = 1; round <= options.rounds; round++) {
          const edgeFirst = order();
          const viaEdge = async (): Promise<void> => {
            let jobId = "";
            ack.edge.push(await timed(async () => {
              const res = await fetch(`${stack.url}/v1/projects/${id}/updates`, { method: "POST", headers: auth, body: JSON.stringify({ prompt: `append to README.md: edge round ${round}` }) });
              const body = (await res.clone().json()) as { job: { id: string } };
              jobId = body.job.id;
              return res;
            }, 202));
            lastJob.set(id, jobId);
          };
          const viaRunner = async (): Promise<void> => {
            ack.runner.push(await timed(() => runnerPut(id, snapshot(i, round)), 200));
          };
          if (edgeFirst) { await viaEdge(); await viaRunner(); } else { await viaRunner(); await viaEdge(); }
        }
      }));
      log(`edge: ${ack.edge.length} update acks measured`);

      const read = { edge: [] as number[], runner: [] as number[] };
      await Promise.all(projects.map(async (id) => {
        const jobId = lastJob.get(id) ?? "";
        for (let poll = 0; poll < options.polls; poll++) {
          const viaEdge = async (): Promise<void> => { read.edge.push(await timed(() => fetch(`${stack.url}/v1/projects/${id}/jobs/${jobId}`, { headers: auth }), 200)); };
          const viaRunner = async (): Promise<void> => { read.runner.push(await timed(() => runnerGet(id), 200)); };
          if (order()) { await viaEdge(); await viaRunner(); } else { await viaRunner(); await viaEdge(); }
        }
      }));
      log(`edge: ${read.edge.length} job reads measured`);

      // Every job must finish before the round trips are counted.
      await mapLimit(projects, SETUP_CONCURRENCY, (id) => api.finished(id, lastJob.get(id) ?? "", 300_000, 100));
      await settle(db);
      const after = db.roundTrips();
      const statuses = (await mapLimit(projects, SETUP_CONCURRENCY, (id) => api.versions(id))).flat().filter((v) => v.kind === "update").map((v) => v.status);
      log(`edge: all jobs finished`);

      // One client, one request at a time, nothing else running: the overhead without contention.
      const idle = { ack: { edge: [] as number[], runner: [] as number[] }, read: { edge: [] as number[], runner: [] as number[] } };
      const first = projects[0] ?? "";
      let idleJob = "";
      for (let n = 0; n < options.polls * 2; n++) {
        idle.ack.edge.push(await timed(async () => {
          const res = await fetch(`${stack.url}/v1/projects/${first}/updates`, { method: "POST", headers: auth, body: JSON.stringify({ prompt: `append to README.md: idle ${n}` }) });
          idleJob = ((await res.clone().json()) as { job: { id: string } }).job.id;
          return res;
        }, 202));
        idle.ack.runner.push(await timed(() => runnerPut(first, snapshot(0, 100 + n)), 200));
        idle.read.edge.push(await timed(() => fetch(`${stack.url}/v1/projects/${first}/jobs/${idleJob}`, { headers: auth }), 200));
        idle.read.runner.push(await timed(() => runnerGet(first), 200));
      }
      await api.finished(first, idleJob, 120_000, 100);
      const updates = projects.length * options.rounds;
      return {
        projects: projects.length,
        rounds: options.rounds,
        polls: options.polls,
        ack: pair(ack.edge, ack.runner),
        jobRead: pair(read.edge, read.runner),
        idle: { ack: pair(idle.ack.edge, idle.ack.runner), jobRead: pair(idle.read.edge, idle.read.runner) },
        postgresPerUpdate: {
          connections: (after.connections - before.connections) / updates,
          handshakes: (after.handshakes - before.handshakes) / updates,
          queries: (after.queries - before.queries) / updates,
        },
        jobs: { succeeded: statuses.filter((s) => s === "succeeded").length, failed: statuses.filter((s) => s !== "succeeded").length },
      };
    });
  } finally {
    await fake.close();
  }
}
