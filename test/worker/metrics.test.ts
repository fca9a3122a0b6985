import { env, exports } from "cloudflare:workers";
import { inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { projectVersions } from "../../src/db/schema.ts";
import type { MetricsReport } from "../../src/metrics/types.ts";
import { api, db, fake, newUser, postUpdate, readyProject, waitForJob } from "./helpers.ts";

// Tests share one Postgres with the other test files: the owner scope is checked exactly,
// the admin scope only as "at least what these tests made".

async function metricsAs(auth: { user: string } | { bearer: string }): Promise<MetricsReport> {
  const res = "user" in auth ? await api("GET", "/v1/metrics", { user: auth.user }) : await api("GET", "/v1/metrics", { headers: { authorization: `Bearer ${auth.bearer}` } });
  if (res.status !== 200) throw new Error(`metrics: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as unknown as MetricsReport;
}

async function prometheus(authorization?: string): Promise<Response> {
  const headers = new Headers(authorization === undefined ? {} : { authorization });
  return exports.default.fetch(new Request("http://api.test/metrics", { headers }));
}

async function r2Bytes(projectIds: string[]): Promise<number> {
  let bytes = 0;
  for (const id of projectIds) {
    const page = await env.ARTIFACTS.list({ prefix: `projects/${id}/` });
    for (const object of page.objects) bytes += object.size;
  }
  return bytes;
}

const percentile = (sorted: number[], p: number): number => {
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (rank - lo);
};

describe("GET /v1/metrics and GET /metrics", () => {
  const owner = newUser();
  const other = newUser();
  const projectIds: string[] = [];
  let otherProject = "";

  // owner: P1 = create + 2 resumed updates; P2 = create + an update whose resume is not
  // found (falls back to fresh) + an update that fails (runner overloaded throughout).
  beforeAll(async () => {
    const p1 = await readyProject(owner);
    const p2 = await readyProject(owner);
    projectIds.push(p1.projectId, p2.projectId);
    for (const prompt of ["add a footer", "add a header"]) {
      const { jobId } = await postUpdate(owner, p1.projectId, prompt);
      expect((await waitForJob(owner, p1.projectId, jobId)).resume?.decision).toBe("resume");
    }
    await fake(p2.projectId, "failures", { failures: [{ operation: "update", resuming: true, code: "session_not_found" }] });
    const fallback = await postUpdate(owner, p2.projectId, "rename the app");
    expect((await waitForJob(owner, p2.projectId, fallback.jobId)).resume?.reason).toBe("fallback:session_not_found");
    await fake(p2.projectId, "failures", { failures: [{ operation: "update", code: "overloaded", retryable: true, count: 50 }] });
    const failing = await postUpdate(owner, p2.projectId, "change colors");
    expect((await waitForJob(owner, p2.projectId, failing.jobId)).status).toBe("failed");

    const o = await readyProject(other);
    otherProject = o.projectId;
    const { jobId } = await postUpdate(other, o.projectId, "add search");
    await waitForJob(other, o.projectId, jobId);
  });

  it("reports the owner's resume success, fallbacks and failures", async () => {
    const m = await metricsAs({ user: owner });
    expect(m.scope).toBe("owner");
    expect(m.projects).toBe(2);
    // COMPACTION_POLICY=always in tests: every job resumes for metadata and compaction too.
    // forked: 2 creates × 2 + 2 updates × 3 + the fallback's metadata and compaction.
    expect(m.resume.attempts).toMatchObject({ forked: 12, resumed: 0, not_found: 1, skipped: 2, corrupted: 0, stale: 0, error: 0, security_violation: 0 });
    expect(m.resume.tried).toBe(13);
    expect(m.resume.succeeded).toBe(12);
    expect(m.resume.successRate).toBeCloseTo(12 / 13, 10);
    expect(m.resume.fallbacks).toEqual([{ key: "fallback:session_not_found", count: 1 }]);
    expect(m.failures).toEqual([{ key: "runner_unavailable", count: 1 }]);
  });

  it("splits succeeded updates into resumed and fresh, with the versions' own costs", async () => {
    const m = await metricsAs({ user: owner });
    expect(m.updates.resumed.count).toBe(2);
    expect(m.updates.fresh.count).toBe(1);
    const rows = await db((d) => d.select().from(projectVersions).where(inArray(projectVersions.projectId, projectIds)));
    const costs = rows.filter((r) => r.kind === "update" && r.status === "succeeded" && r.resumeDecision === "resume").map((r) => r.costUsd).sort((a, b) => a - b);
    expect(costs).toHaveLength(2);
    const sum = costs.reduce((a, b) => a + b, 0);
    expect(m.updates.resumed.costUsd.sum).toBeCloseTo(sum, 6);
    expect(m.updates.resumed.costUsd.mean).toBeCloseTo(sum / 2, 6);
    expect(m.updates.resumed.costUsd.p50).toBeCloseTo(percentile(costs, 0.5), 6);
    expect(m.updates.resumed.costUsd.p95).toBeCloseTo(percentile(costs, 0.95), 6);
    // The fake runner prices a resume as cache reads and a fresh run as cache writes.
    expect(m.updates.resumed.costUsd.mean ?? Infinity).toBeLessThan(m.updates.fresh.costUsd.mean ?? 0);
    expect(m.updates.resumed.meanTokens.cacheRead ?? 0).toBeGreaterThan(0);
    expect(m.updates.resumed.durationMs.p50 ?? Infinity).toBeLessThanOrEqual(m.updates.resumed.durationMs.p95 ?? 0);
  });

  it("reports session age at resume, session id changes, the queue and R2 storage", async () => {
    const m = await metricsAs({ user: owner });
    // Two update operations started from a session (the fallback's update ran fresh).
    const age = m.sessionAgeAtResumeSeconds;
    expect(age.count).toBe(2);
    expect(age.buckets.at(-1)).toEqual({ le: null, count: 2 });
    expect(age.buckets.find((b) => b.le === 3600)?.count).toBe(2);
    for (let i = 1; i < age.buckets.length; i++) expect(age.buckets[i]?.count ?? 0).toBeGreaterThanOrEqual(age.buckets[i - 1]?.count ?? 0);
    // Every operation forks (forkSession: true), so every resumed one changed the id.
    expect(m.sessionIdChanges).toEqual({ resumedOperations: 12, changed: 12, rate: 1 });
    expect(m.queue).toEqual({ queued: 0, running: 0 });
    expect(m.transcriptStorage.bytes).toBe(await r2Bytes(projectIds));
    expect(m.transcriptStorage.bytes).toBeGreaterThan(0);
  });

  it("another user sees only their own projects; the admin token sees everything", async () => {
    const mine = await metricsAs({ user: other });
    expect(mine.projects).toBe(1);
    expect(mine.resume.attempts).toMatchObject({ forked: 5, not_found: 0, skipped: 1 });
    expect(mine.resume.fallbacks).toEqual([]);
    expect(mine.failures).toEqual([]);
    expect(mine.updates.resumed.count).toBe(1);
    expect(mine.transcriptStorage.bytes).toBe(await r2Bytes([otherProject]));
    const nobody = await metricsAs({ user: newUser() });
    expect(nobody).toMatchObject({ projects: 0, resume: { tried: 0, successRate: null }, updates: { resumed: { count: 0, costUsd: { mean: null } } }, transcriptStorage: { bytes: 0 } });

    const all = await metricsAs({ bearer: env.ADMIN_TOKEN });
    expect(all.scope).toBe("all");
    expect(all.projects).toBeGreaterThanOrEqual(3);
    expect(all.resume.attempts.forked).toBeGreaterThanOrEqual(17);
    expect(all.resume.attempts.not_found).toBeGreaterThanOrEqual(1);
    expect(all.updates.resumed.count).toBeGreaterThanOrEqual(3);
    expect(all.transcriptStorage.bytes).toBeGreaterThanOrEqual(await r2Bytes([...projectIds, otherProject]));
  });

  it("shows queued and running jobs while they wait", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "delay", { ms: 1500 });
    const first = await postUpdate(user, projectId, "slow one");
    const second = await postUpdate(user, projectId, "slow two");
    const deadline = Date.now() + 10_000;
    let queue = (await metricsAs({ user })).queue;
    while (!(queue.queued === 1 && queue.running === 1) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      queue = (await metricsAs({ user })).queue;
    }
    expect(queue).toEqual({ queued: 1, running: 1 });
    await fake(projectId, "delay", { ms: 0 });
    await waitForJob(user, projectId, first.jobId);
    await waitForJob(user, projectId, second.jobId);
    expect((await metricsAs({ user })).queue).toEqual({ queued: 0, running: 0 });
  });

  it("/v1/metrics without a valid token → 401", async () => {
    expect((await api("GET", "/v1/metrics")).status).toBe(401);
    const wrong = await api("GET", "/v1/metrics", { headers: { authorization: "Bearer not-the-admin-token" } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: { code: "unauthorized", message: "invalid token" } });
    // The metrics token is for /metrics only.
    expect((await api("GET", "/v1/metrics", { headers: { authorization: `Bearer ${env.METRICS_TOKEN}` } })).status).toBe(401);
  });

  it("/metrics needs the metrics token", async () => {
    for (const authorization of [undefined, "Bearer wrong", `Bearer ${env.ADMIN_TOKEN}`, `Basic ${env.METRICS_TOKEN}`]) {
      const res = await prometheus(authorization);
      expect(res.status, authorization).toBe(401);
      expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "missing or wrong metrics token" } });
    }
  });

  it("/metrics is valid Prometheus text with the expected metrics", async () => {
    const res = await prometheus(`Bearer ${env.METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text.endsWith("\n")).toBe(true);
    const types = new Map<string, string>();
    const samples = new Map<string, number>();
    let lastHelp = "";
    for (const line of text.trimEnd().split("\n")) {
      const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary)$/.exec(line);
      if (help !== null) lastHelp = help[1] ?? "";
      else if (type !== null) {
        expect(type[1]).toBe(lastHelp); // every TYPE follows its HELP
        types.set(type[1] ?? "", type[2] ?? "");
      } else {
        const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (NaN|[+-]Inf|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/.exec(line);
        expect(sample, line).not.toBeNull();
        const name = sample?.[1] ?? "";
        const family = [...types.keys()].find((f) => name === f || name === `${f}_bucket` || name === `${f}_sum` || name === `${f}_count`);
        expect(family, `${name} has no TYPE line before it`).toBeDefined();
        samples.set(`${name}${sample?.[2] ?? ""}`, Number(sample?.[3] === "+Inf" ? Infinity : sample?.[3]));
      }
    }
    expect(Object.fromEntries(types)).toMatchObject({
      session_chain_resume_attempts_total: "counter",
      session_chain_resume_success_ratio: "gauge",
      session_chain_resume_fallbacks_total: "counter",
      session_chain_version_failures_total: "counter",
      session_chain_update_cost_usd: "summary",
      session_chain_update_duration_seconds: "summary",
      session_chain_session_age_at_resume_seconds: "histogram",
      session_chain_session_id_changes_total: "counter",
      session_chain_session_id_change_ratio: "gauge",
      session_chain_jobs_queued: "gauge",
      session_chain_jobs_running: "gauge",
      session_chain_transcript_storage_bytes: "gauge",
    });
    expect(samples.get('session_chain_resume_attempts_total{outcome="not_found"}')).toBeGreaterThanOrEqual(1);
    expect(samples.get('session_chain_resume_fallbacks_total{reason="fallback:session_not_found"}')).toBeGreaterThanOrEqual(1);
    expect(samples.get('session_chain_version_failures_total{code="runner_unavailable"}')).toBeGreaterThanOrEqual(1);
    expect(samples.get('session_chain_update_cost_usd_count{mode="resumed"}')).toBeGreaterThanOrEqual(3);
    const ratio = samples.get("session_chain_resume_success_ratio") ?? -1;
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThanOrEqual(1);
    // Histogram: cumulative buckets ending in +Inf, which equals _count.
    const buckets = [...samples.entries()].filter(([k]) => k.startsWith("session_chain_session_age_at_resume_seconds_bucket")).map(([, v]) => v);
    expect(buckets.length).toBeGreaterThan(2);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i] ?? 0).toBeGreaterThanOrEqual(buckets[i - 1] ?? 0);
    expect(samples.get('session_chain_session_age_at_resume_seconds_bucket{le="+Inf"}')).toBe(samples.get("session_chain_session_age_at_resume_seconds_count"));
    expect(samples.get("session_chain_transcript_storage_bytes")).toBeGreaterThan(0);
  });
});
