// The resume policy inside the Durable Object, with the fake runner: each option is a path
// the job really takes, the decision is explained and audited, the TTL reaches the runner,
// and the project's settings choose the policy. The cache state the policy reads is set
// directly where a test needs a cold or a large head (no clock is moved here).
import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { JobView, ProjectView, VersionView } from "../../src/domain/views.ts";
import type { ProjectDO } from "../../src/do/project-do.ts";
import { ChainStore } from "../../src/do/storage/chain.ts";
import { PolicyStore } from "../../src/do/storage/policy.ts";
import type { MetricsReport } from "../../src/metrics/types.ts";
import { parseSessionPolicy, policyConfig } from "../../src/policy/config.ts";
import type { PrefixState, ProjectProfile } from "../../src/policy/types.ts";
import { api, calls, fake, newUser, projectStub, readyProject, token, updateSucceeded } from "./helpers.ts";
import type { FakeCall } from "./helpers.ts";

const MIN = 60_000;

async function economicProject(user: string): Promise<string> {
  const { projectId } = await readyProject(user);
  const res = await api("PATCH", `/v1/projects/${projectId}`, { user, body: { sessionPolicy: "economic" } });
  expect(res.status).toBe(200);
  return projectId;
}

/** Sets what the policy knows of the head's prefix (as if the last step had been that long ago). */
function setHeadPrefix(projectId: string, state: Omit<PrefixState, "sessionId">): Promise<void> {
  return runInDurableObject(projectStub(projectId), (_instance: ProjectDO, s) => {
    const head = new ChainStore(s.storage.sql).get().headSessionId;
    if (head === null) throw new Error("no head");
    new PolicyStore(s.storage.sql).notePrefix({ ...state, sessionId: head });
  });
}

function editState<T>(projectId: string, work: (store: PolicyStore) => T): Promise<T> {
  return runInDurableObject(projectStub(projectId), (_instance: ProjectDO, s) => work(new PolicyStore(s.storage.sql)));
}


async function version(user: string, projectId: string, number: number): Promise<VersionView> {
  const res = await api("GET", `/v1/projects/${projectId}/versions?limit=100`, { user });
  expect(res.status).toBe(200);
  const found = (res.body["versions"] as VersionView[]).find((v) => v.versionNumber === number);
  if (found === undefined) throw new Error(`no version ${number}`);
  return found;
}

/** A head resumed a minute ago and small enough that a fork of it on the metadata model costs little. */
const SMALL_WARM_HEAD = (): Omit<PrefixState, "sessionId"> => ({ contextTokens: 3000, tailTokens: 200, usedAt: Date.now() - MIN, ttl: "5m", primed: true });

const runs = async (projectId: string, operation: string): Promise<FakeCall[]> => (await calls(projectId)).calls.filter((c) => c.operation === operation && c.outcome === "ok");

describe("the resume policy's paths", () => {
  // Most of these requests refer to earlier work ("like you did for …"), where plain fresh is
  // weighed by SESSION_POLICY_FRESH_WEIGHT, so the options that keep the context compete.
  it("a request that names a feature weighs plain fresh at its plain cost: a large warm head loses to it", async () => {
    const user = newUser();
    const projectId = await economicProject(user);
    await setHeadPrefix(projectId, { contextTokens: 30_000, tailTokens: 500, usedAt: Date.now() - MIN, ttl: "5m", primed: true });
    const job = await updateSucceeded(user, projectId, "add a footer");
    expect(job.resume?.decision).toBe("fresh");
    expect(job.resume?.reason).toMatch(/^fresh: cache warm, written \d+ s ago; predicted \$\d\.\d+ vs \$\d\.\d+ resuming$/);
    const run = (await runs(projectId, "update")).at(-1);
    expect(run?.resumeSessionId).toBeNull();
    expect(run?.handoff).toBeNull();
    expect((await version(user, projectId, 2)).policy?.choice).toBe("fresh");
  });

  it("warm and small: resumes, says why, stores every option's prediction and then what the job cost", async () => {
    const user = newUser();
    const projectId = await economicProject(user);
    // Small: these tests run the metadata step on another model (vitest.config.ts), whose cache
    // holds nothing of the head, so its fork writes the whole head; an 8K head made that dearer than a handoff.
    await setHeadPrefix(projectId, SMALL_WARM_HEAD());
    const job = await updateSucceeded(user, projectId, "add a footer like you did for the header");
    expect(job.resume?.decision).toBe("resume");
    expect(job.resume?.reason).toMatch(/^resumed: cache warm, written \d+ s ago; predicted \$\d\.\d+ vs \$\d\.\d+ with a handoff$/);

    const v = await version(user, projectId, 2);
    expect(v.policy?.choice).toBe("resume");
    expect(v.policy?.predictions.map((p) => [p.option, p.allowed])).toEqual([["resume", true], ["compact_resume", true], ["handoff", true], ["fresh", true]]);
    expect(v.policy?.predictedCostUsd).toBeGreaterThan(0);
    // The fake runner bills each step; the actual is what the update and metadata steps cost.
    const ops = (await api("GET", `/v1/projects/${projectId}/activity`, { user })).body["operations"] as Array<{ versionNumber: number; operation: string; costUsd: number }>;
    const spent = ops.filter((o) => o.versionNumber === 2 && (o.operation === "update" || o.operation === "metadata")).reduce((s, o) => s + o.costUsd, 0);
    expect(v.policy?.actualCostUsd).toBeCloseTo(spent, 6);
    expect(v.policy?.cacheTtl).toMatch(/^(5m|1h)$/);
    // The update teaches the request's own work.
    expect((await editState(projectId, (s) => s.profile())).work).toHaveLength(1);
  });

  it("expired and large: a new session whose first prompt carries the earlier requests under their labels", async () => {
    const user = newUser();
    const projectId = await economicProject(user);
    // Resumed, so that the fake runner's bill teaches the resume's correction, not the handoff's.
    await setHeadPrefix(projectId, SMALL_WARM_HEAD());
    await updateSucceeded(user, projectId, "append to notes.md: first note");
    await setHeadPrefix(projectId, { contextTokens: 60_000, tailTokens: 900, usedAt: Date.now() - 40 * MIN, ttl: "5m", primed: true });
    const job = await updateSucceeded(user, projectId, "undo version 2");
    expect(job.resume).toMatchObject({ decision: "fresh" });
    expect(job.resume?.reason).toMatch(/^fresh with handoff: cache expired, last used 40 min ago \(5-minute TTL\); resuming would write the 60K-token history again; predicted \$\d\.\d+ vs \$\d\.\d+ resuming$/);
    const run = (await runs(projectId, "update")).at(-1);
    expect(run?.resumeSessionId).toBeNull();
    expect(run?.versionNumber).toBe(3);
    expect(run?.handoff).toContain("Request for version 1:\nbuild a todo app");
    expect(run?.handoff).toContain("Request for version 2:\nappend to notes.md: first note");
    expect(run?.handoff).toContain("## Documentation (as of version 2)");
    expect((await version(user, projectId, 3)).policy?.choice).toBe("handoff");
    // The owner's decision not to resume is in the audit trail.
    const attempts = (await api("GET", `/v1/projects/${projectId}/activity`, { user })).body["attempts"] as Array<{ versionNumber: number | null; outcome: string; reason: string }>;
    expect(attempts.find((a) => a.versionNumber === 3)).toMatchObject({ outcome: "skipped", reason: job.resume?.reason });
  });

  it("a resume whose session is gone falls back to a new session that still gets the handoff; that job is not scored", async () => {
    const user = newUser();
    const projectId = await economicProject(user);
    await setHeadPrefix(projectId, { contextTokens: 5000, tailTokens: 100, usedAt: Date.now() - MIN, ttl: "5m", primed: true });
    await fake(projectId, "failures", { failures: [{ operation: "update", resuming: true, code: "session_not_found" }] });
    const job = await updateSucceeded(user, projectId, "add a header like you did for the footer");
    expect(job.resume).toEqual({ decision: "fresh", reason: "fallback:session_not_found" });
    const run = (await runs(projectId, "update")).at(-1);
    expect(run?.resumeSessionId).toBeNull();
    expect(run?.handoff).toContain("Request for version 1:");
    const v = await version(user, projectId, 2);
    expect(v.policy).toMatchObject({ choice: "resume", actualCostUsd: null });
  });

  it("compact then resume: the compaction runs first and the update resumes the compacted session", async () => {
    const user = newUser();
    const projectId = await economicProject(user);
    const head = (await api("GET", `/v1/projects/${projectId}/session`, { user })).body["headSessionId"];
    await setHeadPrefix(projectId, { contextTokens: 50_000, tailTokens: 500, usedAt: Date.now() - MIN, ttl: "5m", primed: true });
    // A project whose jobs taught that compacting pays here (its summaries are short, the rest dear).
    await editState(projectId, (s) => {
      const p: ProjectProfile = s.profile();
      const factor = (option: keyof ProjectProfile["correction"], log: number) => ({ ...p.correction[option], cost: log, seen: 5 });
      s.saveProfile({ ...p, compactionRatio: { value: 0.01, seen: 5 }, correction: { resume: factor("resume", Math.log(3)), compact_resume: factor("compact_resume", -Math.log(3)), handoff: factor("handoff", Math.log(3)), fresh: factor("fresh", Math.log(3)) } });
    });
    const job = await updateSucceeded(user, projectId, "add a sidebar");
    expect(job.resume?.decision).toBe("resume");
    expect(job.resume?.reason).toMatch(/^compacted and resumed: cache warm/);
    const log = (await calls(projectId)).calls.filter((c) => c.outcome === "ok");
    const compact = log.findIndex((c) => c.operation === "compact" && c.resumeSessionId === head);
    const upd = log.findIndex((c) => c.operation === "update");
    expect(compact).toBeGreaterThanOrEqual(0);
    expect(upd).toBeGreaterThan(compact);
    expect(log[upd]?.resumeSessionId).toBe(log[compact]?.sessionIdOut);
    const v = await version(user, projectId, 2);
    expect(v.policy?.choice).toBe("compact_resume");
    // The actual covers the compaction too.
    const ops = (await api("GET", `/v1/projects/${projectId}/activity`, { user })).body["operations"] as Array<{ versionNumber: number; operation: string; costUsd: number }>;
    const before = ops.filter((o) => o.versionNumber === 2);
    expect(before.map((o) => o.operation).slice(0, 2)).toEqual(["compact", "update"]);
    const covered = before.slice(0, 3).reduce((s, o) => s + o.costUsd, 0);
    expect(v.policy?.actualCostUsd).toBeCloseTo(covered, 6);
  });
});

describe("the cache TTL of the job's last step", () => {
  it("reaches the runner with the metadata step, and stays 5 minutes when a compaction follows (nothing left to keep warm)", async () => {
    const user = newUser();
    const projectId = await economicProject(user);
    // A project that comes back after 5-60 minutes, with a large head: the hour would pay...
    await editState(projectId, (s) => {
      for (let i = 0; i < 10; i++) s.addGap(20 * MIN);
    });
    await setHeadPrefix(projectId, { contextTokens: 30_000, tailTokens: 500, usedAt: Date.now() - MIN, ttl: "5m", primed: true });
    const job = await updateSucceeded(user, projectId, "add a footer like you did for the header");
    // ...but these tests run with COMPACTION_POLICY=always: the head is compacted after the job.
    expect((await runs(projectId, "metadata")).at(-1)?.cacheTtl).toBe("5m");
    expect((await version(user, projectId, 2)).policy?.cacheTtl).toBe("5m");
    // The job's events say what was decided and why.
    const res = await exports.default.fetch(new Request(`http://api.test/v1/projects/${projectId}/jobs/${job.id}/events`, { headers: { authorization: `Bearer ${await token(user)}` } }));
    const stream = await res.text();
    expect(stream).toMatch(/event: decision\ndata: \{"resume":(true|false),"reason":"[^"]+","sessionId":[^,]+,"option":"(resume|handoff)","predictions":\[\{"option":"resume","allowed":true,/);
    expect(stream).toMatch(/event: cache_ttl\ndata: \{"ttl":"5m","nextWithinHourOdds":0.79,/);
    // The update step itself always runs with the engine's 5-minute default.
    expect((await runs(projectId, "update")).at(-1)?.cacheTtl).toBeNull();
  });
});

describe("SESSION_POLICY per project", () => {
  it("never: a plain new session, no handoff; always: today's resume", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    expect((await api("PATCH", `/v1/projects/${projectId}`, { user, body: { sessionPolicy: "never" } })).body).toMatchObject({ sessionPolicy: "never", resumeOverride: null });
    const never = await updateSucceeded(user, projectId, "add a footer");
    expect(never.resume).toMatchObject({ decision: "fresh" });
    expect(never.resume?.reason).toMatch(/^policy_never: /);
    expect((await runs(projectId, "update")).at(-1)).toMatchObject({ resumeSessionId: null, handoff: null });
    await api("PATCH", `/v1/projects/${projectId}`, { user, body: { sessionPolicy: "always" } });
    expect((await updateSucceeded(user, projectId, "add a header")).resume).toEqual({ decision: "resume", reason: "resumable" });
  });

  it("PATCH takes sessionPolicy, resumeEnabled or both, and refuses anything else", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const path = `/v1/projects/${projectId}`;
    expect((await api("PATCH", path, { user, body: { resumeEnabled: false } })).body).toMatchObject({ resumeOverride: false, sessionPolicy: null });
    expect((await api("PATCH", path, { user, body: { sessionPolicy: "economic" } })).body).toMatchObject({ resumeOverride: false, sessionPolicy: "economic" });
    expect((await api("PATCH", path, { user, body: { resumeEnabled: null, sessionPolicy: null } })).body).toMatchObject({ resumeOverride: null, sessionPolicy: null });
    const bad = await api("PATCH", path, { user, body: { sessionPolicy: "sometimes" } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("sessionPolicy must be economic, always, never or null");
    // Each refusal says what is wrong; a misspelt field is not dropped silently (the PATCH would look like a no-op).
    const refusals: Array<[unknown, string]> = [
      [{}, "give resumeEnabled, sessionPolicy or both"],
      [{ sesionPolicy: "never" }, "unknown field sesionPolicy: the body takes resumeEnabled and sessionPolicy"],
      [{ sessionPolicy: "never", extra: 1 }, "unknown field extra: the body takes resumeEnabled and sessionPolicy"],
      [["never"], "the body must be a JSON object with resumeEnabled and sessionPolicy"],
      [{ resumeEnabled: "yes" }, "resumeEnabled must be true, false or null"],
    ];
    for (const [body, message] of refusals) {
      const res = await api("PATCH", path, { user, body });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: { code: "bad_request", message } });
    }
    expect((await api("PATCH", path, { user: newUser(), body: { sessionPolicy: "never" } })).status).toBe(404);
    const project = (await api("GET", path, { user })).body["project"] as ProjectView;
    expect(project.sessionPolicy).toBeNull();
  });

  it("resume turned off for the project still wins over economic: plain fresh", async () => {
    const user = newUser();
    const projectId = await economicProject(user);
    await api("PATCH", `/v1/projects/${projectId}`, { user, body: { resumeEnabled: false } });
    const job = await updateSucceeded(user, projectId, "add a footer");
    expect(job.resume?.reason).toBe("project_override_off: resume is turned off for this project");
    expect((await runs(projectId, "update")).at(-1)).toMatchObject({ resumeSessionId: null, handoff: null });
  });
});

describe("the policy in the metrics", () => {
  it("reports the mix of choices and the prediction error, in JSON and in Prometheus text", async () => {
    const user = newUser();
    const projectId = await economicProject(user);
    await setHeadPrefix(projectId, SMALL_WARM_HEAD());
    await updateSucceeded(user, projectId, "add a footer like you did for the header");
    await setHeadPrefix(projectId, { contextTokens: 60_000, tailTokens: 900, usedAt: Date.now() - 40 * MIN, ttl: "5m", primed: true });
    await updateSucceeded(user, projectId, "add a header like you did for the footer");
    const report = (await api("GET", "/v1/metrics", { user })).body as unknown as MetricsReport;
    expect(report.policy.choices).toEqual([{ key: "handoff", count: 1 }, { key: "resume", count: 1 }]);
    expect(report.policy.predictionError.count).toBe(2);
    const versions = [await version(user, projectId, 2), await version(user, projectId, 3)];
    const errors = versions.map((v) => Math.abs((v.policy?.actualCostUsd ?? 0) - (v.policy?.predictedCostUsd ?? 0)) / (v.policy?.actualCostUsd ?? 1)).sort((a, b) => a - b);
    expect(report.policy.predictionError.median).toBeCloseTo(((errors[0] ?? 0) + (errors[1] ?? 0)) / 2, 4);
    expect(report.policy.cacheTtl.reduce((s, c) => s + c.count, 0)).toBe(2);

    const res = await exports.default.fetch(new Request("http://api.test/metrics", { headers: { authorization: `Bearer ${env.METRICS_TOKEN}` } }));
    const text = await res.text();
    expect(text).toMatch(/^session_chain_policy_choices_total\{choice="handoff"\} [1-9]\d*$/m);
    expect(text).toMatch(/^session_chain_policy_prediction_error_ratio\{quantile="0.5"\} \d/m);
    expect(text).toMatch(/^session_chain_policy_prediction_error_ratio_count [1-9]\d*$/m);
    expect(text).toMatch(/^session_chain_policy_cache_ttl_total\{ttl="5m"\} [1-9]\d*$/m);
  });
});

describe("the policy's vars", () => {
  it("parse, and a bad value fails loudly", () => {
    const vars = { SESSION_POLICY: "economic", SESSION_POLICY_FRESH_WEIGHT: "2", SESSION_POLICY_FRESH_WEIGHT_ORDINARY: "1.5", SESSION_HANDOFF_MAX_TOKENS: "4000", SESSION_POLICY_MODEL: "" };
    expect(policyConfig(vars)).toMatchObject({ mode: "economic", freshWeight: 2, freshWeightOrdinary: 1.5, handoffMaxTokens: 4000, model: { id: "claude-opus-5-5" } });
    expect(parseSessionPolicy(" Always ")).toBe("always");
    expect(() => policyConfig({ ...vars, SESSION_POLICY: "sometimes" })).toThrow(/SESSION_POLICY must be economic\|always\|never/);
    expect(() => policyConfig({ ...vars, SESSION_POLICY_FRESH_WEIGHT: "0.5" })).toThrow(/>= 1/);
    expect(() => policyConfig({ ...vars, SESSION_POLICY_FRESH_WEIGHT_ORDINARY: "0" })).toThrow(/SESSION_POLICY_FRESH_WEIGHT_ORDINARY/);
    expect(() => policyConfig({ ...vars, SESSION_POLICY_MODEL: "gpt-9" })).toThrow(/not in src\/models\/table.ts/);
  });

  it("wrangler.toml's defaults: economic, fresh weighed x1.6 for requests that refer to earlier work and x1 for the others (docs/policy.md: why), a 4,000-token handoff", () => {
    // The worker tests pin SESSION_POLICY=always (vitest.config.ts); the rest are the deployment's.
    expect(policyConfig(env)).toMatchObject({ freshWeight: 1.6, freshWeightOrdinary: 1, handoffMaxTokens: 4000 });
  });
});
