import { env, exports } from "cloudflare:workers";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import type { JobView } from "../../src/domain/views.ts";
import { api, calls, createProject, newUser, postUpdate, waitForJob } from "./helpers.ts";

const secret = new TextEncoder().encode(env.AUTH_SECRET);

describe("auth", () => {
  it("no token → 401, bad or expired token → 401", async () => {
    const { projectId } = await createProject(newUser());
    expect((await api("GET", `/v1/projects/${projectId}`)).status).toBe(401);
    const garbage = await api("GET", `/v1/projects/${projectId}`, { headers: { authorization: "Bearer not-a-jwt" } });
    expect(garbage.status).toBe(401);
    expect(garbage.body).toEqual({ error: { code: "unauthorized", message: "invalid token" } });
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("u").setIssuedAt(now - 3600).setExpirationTime(now - 120).sign(secret);
    expect((await api("GET", `/v1/projects/${projectId}`, { headers: { authorization: `Bearer ${expired}` } })).body).toEqual({ error: { code: "unauthorized", message: "token expired" } });
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("u").sign(secret);
    expect((await api("GET", `/v1/projects/${projectId}`, { headers: { authorization: `Bearer ${noExp}` } })).status).toBe(401);
    const otherKey = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("u").setExpirationTime("1h").sign(new TextEncoder().encode("another-secret-another-secret-12"));
    expect((await api("GET", `/v1/projects/${projectId}`, { headers: { authorization: `Bearer ${otherKey}` } })).status).toBe(401);
  });

  it("another user gets 404 on every project route, and cannot queue updates", async () => {
    const owner = newUser();
    const created = await createProject(owner);
    const stranger = newUser();
    const paths = [
      ["GET", `/v1/projects/${created.projectId}`],
      ["GET", `/v1/projects/${created.projectId}/versions`],
      ["GET", `/v1/projects/${created.projectId}/session`],
      ["GET", `/v1/projects/${created.projectId}/jobs/${created.jobId}`],
      ["GET", `/v1/projects/${created.projectId}/jobs/${created.jobId}/events`],
      ["POST", `/v1/projects/${created.projectId}/session/reset`],
    ] as const;
    for (const [method, path] of paths) {
      const res = await api(method, path, { user: stranger });
      expect(res.status, path).toBe(404);
      expect(res.body).toEqual({ error: { code: "not_found", message: expect.any(String) } });
    }
    expect((await api("POST", `/v1/projects/${created.projectId}/updates`, { user: stranger, body: { prompt: "x" } })).status).toBe(404);
    expect((await api("POST", "/update-project", { user: stranger, body: { projectId: created.projectId, prompt: "x" } })).status).toBe(404);
    expect((await api("PATCH", `/v1/projects/${created.projectId}`, { user: stranger, body: { resumeEnabled: false } })).status).toBe(404);
    await waitForJob(owner, created.projectId, created.jobId);
    expect((await calls(created.projectId)).calls.filter((c) => c.operation === "update")).toHaveLength(0);
  });
});

describe("input validation → 400 with a message that says what is wrong", () => {
  const user = "validator";
  const cases: [string, string, string, Record<string, string> | undefined, RegExp][] = [
    ["malformed JSON", "/v1/projects", "{not json", undefined, /json/i],
    ["missing prompt", "/v1/projects", JSON.stringify({ name: "x" }), undefined, /prompt is required/],
    ["missing name", "/v1/projects", JSON.stringify({ prompt: "x" }), undefined, /name is required/],
    ["empty prompt", "/v1/projects", JSON.stringify({ name: "x", prompt: "   " }), undefined, /prompt must not be empty/],
    ["empty name", "/v1/projects", JSON.stringify({ name: "", prompt: "x" }), undefined, /name must not be empty/],
    ["wrong type", "/v1/projects", JSON.stringify({ name: "x", prompt: 42 }), undefined, /prompt must be a string/],
    ["prompt over 100 KB", "/v1/projects", JSON.stringify({ name: "x", prompt: "é".repeat(60 * 1024) }), undefined, /at most 102400 bytes/],
    ["bad project id", "/v1/projects/not-an-id/updates", JSON.stringify({ prompt: "x" }), undefined, /project id must look like prj_/],
    ["legacy bad project id", "/update-project", JSON.stringify({ projectId: "prj_short", prompt: "x" }), undefined, /projectId must look like prj_/],
    ["legacy missing prompt", "/update-project", JSON.stringify({ projectId: "prj_0123456789abcdefghijklmn" }), undefined, /prompt is required/],
    ["no JSON content type", "/v1/projects", JSON.stringify({ name: "x", prompt: "y" }), { "content-type": "text/plain" }, /./],
  ];
  for (const [name, path, raw, headers, message] of cases) {
    it(name, async () => {
      const res = await api("POST", path, { user, raw, ...(headers !== undefined ? { headers } : {}) });
      expect(res.status).toBe(400);
      const error = res.body["error"] as { code: string; message: string };
      expect(error.code).toBe("bad_request");
      expect(error.message).toMatch(message);
    });
  }

  it("ids of the wrong form in GET paths", async () => {
    expect((await api("GET", "/v1/projects/prj_UPPERCASE0000000000000000", { user })).status).toBe(400);
    const res = await api("GET", "/v1/projects/prj_0123456789abcdefghijklmn/jobs/nope", { user });
    expect(res.status).toBe(400);
    expect((res.body["error"] as { message: string }).message).toMatch(/job id must look like job_/);
    expect((await api("GET", "/v1/projects/prj_0123456789abcdefghijklmn/jobs/nope/events", { user })).status).toBe(400);
  });

  it("unknown routes are 404 JSON; a body over 1 MB is 413", async () => {
    expect((await api("GET", "/nope")).body).toEqual({ error: { code: "not_found", message: "no such route" } });
    const big = await api("POST", "/v1/projects", { user, raw: JSON.stringify({ name: "x", prompt: "a".repeat(1_100_000) }) });
    expect(big.status).toBe(413);
  });
});

describe("idempotency and the legacy endpoint", () => {
  it("the same Idempotency-Key twice gives the same job, queued once", async () => {
    const user = newUser();
    const { projectId, jobId } = await createProject(user);
    const headers = { "idempotency-key": "key-123" };
    const first = await postUpdate(user, projectId, "add a chart", headers);
    const again = await api("POST", `/v1/projects/${projectId}/updates`, { user, body: { prompt: "add a chart" }, headers });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((again.body["job"] as JobView).id).toBe(first.jobId);
    const viaLegacy = await api("POST", "/update-project", { user, body: { projectId, prompt: "add a chart" }, headers });
    expect((viaLegacy.body["job"] as JobView).id).toBe(first.jobId);
    const conflict = await api("POST", `/v1/projects/${projectId}/updates`, { user, body: { prompt: "something else" }, headers });
    expect(conflict.status).toBe(409);
    expect((conflict.body["error"] as { code: string }).code).toBe("idempotency_conflict");
    await waitForJob(user, projectId, jobId);
    await waitForJob(user, projectId, first.jobId);
    expect((await calls(projectId)).calls.filter((c) => c.operation === "update")).toHaveLength(1);
  });

  it("POST /update-project queues an update like /v1/projects/:id/updates", async () => {
    const user = newUser();
    const { projectId } = await createProject(user);
    const res = await api("POST", "/update-project", { user, body: { projectId, prompt: "legacy change" } });
    expect(res.status).toBe(202);
    const queued = res.body["job"] as JobView;
    expect(queued.versionNumber).toBe(2);
    expect((await waitForJob(user, projectId, queued.id)).status).toBe("succeeded");
  });
});

describe("service routes", () => {
  it("GET /healthz and GET /openapi.json need no token", async () => {
    expect((await api("GET", "/healthz")).body).toEqual({ ok: true });
    const doc = await exports.default.fetch(new Request("http://api.test/openapi.json"));
    const spec = (await doc.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toBe("3.1.0");
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(["/v1/projects", "/v1/projects/{id}/updates", "/update-project", "/v1/projects/{id}/session"]));
  });
});
