// The edge layer's own cost, in absolute terms: milliseconds per update acknowledgement
// (POST …/updates until the 202) and per job read (GET …/jobs/:id), with many projects at
// once and from one idle client; the Durable Object RPCs each request made and their time
// (Server-Timing); and the Postgres round trips of each update (ack + job).
//
// The jobs these updates start run on the fake runner (test/support/fake-runner.ts): the
// Durable Object pipeline is the same, but 50 concurrent Claude Code processes would share
// this machine's cores with the Worker and measure the laptop, not the edge layer (in
// production the runner is a separate container).
import { startFakeRunner } from "../test/support/fake-runner.ts";
import { settle, withBenchStack } from "./bench-stack.ts";
import { ApiClient } from "./client.ts";
import { mapLimit } from "./pool.ts";
import { timedFetch } from "./server-timing.ts";
import type { TimedRequest } from "./server-timing.ts";
import { mean, spread } from "./stats.ts";
import type { EdgeResult, LatencySet } from "./types.ts";

const SETUP_CONCURRENCY = 10;

export interface EdgeOptions {
  projects: number;
  rounds: number;
  polls: number;
  seed: number;
}

function latencySet(requests: readonly TimedRequest[]): LatencySet {
  const ms = requests.map((r) => r.ms);
  const timed = requests.flatMap((r) => (r.timing === null ? [] : [r.timing]));
  return {
    ms: { ...spread(ms, true), mean: mean(ms) },
    doRpcsPerRequest: mean(timed.map((t) => t.rpcs)),
    doMs: spread(timed.map((t) => t.ms), true),
  };
}

function expect(r: TimedRequest, status: number): TimedRequest {
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.body.slice(0, 200)}`);
  return r;
}

export async function runEdge(options: EdgeOptions, log: (line: string) => void): Promise<EdgeResult> {
  const fake = await startFakeRunner();
  try {
    const vars = { RUNNER_URL: fake.url, SESSION_RESUME_ENABLED: "true", COMPACTION_POLICY: "never" };
    return await withBenchStack({ vars, latencyScale: 0, seed: options.seed }, async ({ stack, db }) => {
      const api = await ApiClient.create(stack.url, stack.authSecret, "bench-edge");
      const auth = api.headers();
      const ack = (id: string, prompt: string): Promise<TimedRequest> =>
        timedFetch(`${stack.url}/v1/projects/${id}/updates`, { method: "POST", headers: auth, body: JSON.stringify({ prompt }) }).then((r) => expect(r, 202));
      const read = (id: string, jobId: string): Promise<TimedRequest> =>
        timedFetch(`${stack.url}/v1/projects/${id}/jobs/${jobId}`, { headers: auth }).then((r) => expect(r, 200));
      const jobOf = (r: TimedRequest): string => (JSON.parse(r.body) as { job: { id: string } }).job.id;

      const indexes = Array.from({ length: options.projects }, (_, i) => i);
      const projects = await mapLimit(indexes, SETUP_CONCURRENCY, async (i) => {
        const created = await api.createProject(`edge-${i}`, `create README.md with # edge ${i}`);
        await api.finished(created.project.id, created.job.id, 120_000, 50);
        return created.project.id;
      });
      // Warm the path (the first requests compile code and open connections); not measured.
      await mapLimit(projects, SETUP_CONCURRENCY, (id) => api.call("GET", `/v1/projects/${id}`));
      log(`edge: ${projects.length} projects ready`);
      await settle(db);
      const before = db.roundTrips();

      // Under load: every project is one client and all run at once.
      const acks: TimedRequest[] = [];
      const lastJob = new Map<string, string>();
      await Promise.all(projects.map(async (id) => {
        for (let round = 1; round <= options.rounds; round++) {
          const r = await ack(id, `append to README.md: edge round ${round}`);
          acks.push(r);
          lastJob.set(id, jobOf(r));
        }
      }));
      const reads: TimedRequest[] = [];
      await Promise.all(projects.map(async (id) => {
        for (let poll = 0; poll < options.polls; poll++) reads.push(await read(id, lastJob.get(id) ?? ""));
      }));
      log(`edge: ${acks.length} acks and ${reads.length} job reads under load`);

      // Every job must finish before the round trips are counted.
      await mapLimit(projects, SETUP_CONCURRENCY, (id) => api.finished(id, lastJob.get(id) ?? "", 300_000, 100));
      await settle(db);
      const after = db.roundTrips();
      const statuses = (await mapLimit(projects, SETUP_CONCURRENCY, (id) => api.versions(id))).flat().filter((v) => v.kind === "update").map((v) => v.status);

      // Idle: one client, one request at a time, nothing else running.
      const idle = { ack: [] as TimedRequest[], read: [] as TimedRequest[] };
      const first = projects[0] ?? "";
      for (let n = 0; n < options.polls * 2; n++) {
        const r = await ack(first, `append to README.md: idle ${n}`);
        idle.ack.push(r);
        const jobId = jobOf(r);
        idle.read.push(await read(first, jobId));
        await api.finished(first, jobId, 120_000, 50);
      }
      const updates = projects.length * options.rounds;
      return {
        projects: projects.length,
        rounds: options.rounds,
        polls: options.polls,
        load: { ack: latencySet(acks), jobRead: latencySet(reads) },
        idle: { ack: latencySet(idle.ack), jobRead: latencySet(idle.read) },
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
