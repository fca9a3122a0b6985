import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids.ts";
import { app } from "../../src/router/app.ts";
import { api, createProject, newUser } from "./helpers.ts";

/** The Worker's own fetch, with some vars changed for this request only. */
async function fetchWith(vars: Partial<Env>, path: string, bearer?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers = new Headers(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` });
  const res = await app.fetch(new Request(`http://api.test${path}`, { headers }), { ...env, ...vars }, createExecutionContext());
  const text = await res.text();
  return { status: res.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

interface Claims {
  sub: string;
  iat?: number;
  exp?: number;
  aud?: string;
  iss?: string;
}

async function sign(claims: Claims, secret = env.AUTH_SECRET): Promise<string> {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(claims.sub);
  if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  if (claims.aud !== undefined) jwt.setAudience(claims.aud);
  if (claims.iss !== undefined) jwt.setIssuer(claims.iss);
  return jwt.sign(new TextEncoder().encode(secret));
}

const message = (res: { body: Record<string, unknown> }): string => (res.body["error"] as { message: string }).message;

describe("JWT audience, issuer and lifetime", () => {
  const audience = { AUTH_AUDIENCE: "session-chain-api", AUTH_ISSUER: "https://auth.example.test" };

  it("with AUTH_AUDIENCE and AUTH_ISSUER set, only tokens for that audience from that issuer pass", async () => {
    const user = newUser();
    const { projectId } = await createProject(user);
    const path = `/v1/projects/${projectId}`;
    const now = Math.floor(Date.now() / 1000);
    const good = { sub: user, iat: now, exp: now + 3600, aud: audience.AUTH_AUDIENCE, iss: audience.AUTH_ISSUER };
    expect((await fetchWith(audience, path, await sign(good))).status).toBe(200);

    const wrongAud = await fetchWith(audience, path, await sign({ ...good, aud: "another-api" }));
    expect(wrongAud.status).toBe(401);
    expect(message(wrongAud)).toBe("invalid token: aud claim not accepted");
    const { aud: _aud, ...noAud } = good;
    expect((await fetchWith(audience, path, await sign(noAud))).status).toBe(401);
    const wrongIss = await fetchWith(audience, path, await sign({ ...good, iss: "https://evil.example.test" }));
    expect(wrongIss.status).toBe(401);
    expect(message(wrongIss)).toBe("invalid token: iss claim not accepted");
    const { iss: _iss, ...noIss } = good;
    expect((await fetchWith(audience, path, await sign(noIss))).status).toBe(401);
    // Unset (the default), aud and iss are not checked.
    expect((await fetchWith({}, path, await sign({ ...good, aud: "anything" }))).status).toBe(200);
  });

  it("a token must carry iat, may not be issued in the future, nor live longer than AUTH_MAX_TOKEN_LIFETIME_SECONDS", async () => {
    const user = newUser();
    const { projectId } = await createProject(user);
    const path = `/v1/projects/${projectId}`;
    const now = Math.floor(Date.now() / 1000);
    const max = 3600;
    const vars = { AUTH_MAX_TOKEN_LIFETIME_SECONDS: String(max) };
    expect((await fetchWith(vars, path, await sign({ sub: user, iat: now, exp: now + max }))).status).toBe(200);

    const tooLong = await fetchWith(vars, path, await sign({ sub: user, iat: now, exp: now + 2 * max }));
    expect(tooLong.status).toBe(401);
    expect(message(tooLong)).toBe(`token lifetime exceeds ${max} seconds`);
    const noIat = await fetchWith(vars, path, await sign({ sub: user, exp: now + 600 }));
    expect(noIat.status).toBe(401);
    // iat pushed forward would stretch the lifetime rule (exp - iat small, exp far away).
    const future = await fetchWith(vars, path, await sign({ sub: user, iat: now + 7 * 86_400, exp: now + 7 * 86_400 + 600 }));
    expect(future.status).toBe(401);
    // The default (wrangler.toml): a day.
    expect((await fetchWith({}, path, await sign({ sub: user, iat: now, exp: now + 86_400 }))).status).toBe(200);
    expect((await fetchWith({}, path, await sign({ sub: user, iat: now, exp: now + 2 * 86_400 }))).status).toBe(401);
  });
});

describe("AUTH_SECRET shorter than 32 bytes", () => {
  it("the Worker refuses to serve anything, health included, with a 503", async () => {
    const weak = "too-short-secret";
    const now = Math.floor(Date.now() / 1000);
    const token = await sign({ sub: newUser(), iat: now, exp: now + 600 }, weak);
    for (const path of ["/healthz", "/openapi.json", `/v1/projects/${newId("prj")}`]) {
      const res = await fetchWith({ AUTH_SECRET: weak }, path, token);
      expect(res.status, path).toBe(503);
      expect(res.body).toEqual({ error: { code: "unavailable", message: "the service is misconfigured and refuses to serve; its log says why" } });
    }
    expect((await fetchWith({}, "/healthz")).status).toBe(200);
  });
});

describe("reading a project that was never created", () => {
  it("answers 404 on every route and writes no storage in its Durable Object", async () => {
    const user = newUser();
    const projectId = newId("prj");
    const jobId = newId("job");
    const reads = [
      ["GET", `/v1/projects/${projectId}`],
      ["GET", `/v1/projects/${projectId}/versions`],
      ["GET", `/v1/projects/${projectId}/session`],
      ["GET", `/v1/projects/${projectId}/jobs/${jobId}`],
      ["GET", `/v1/projects/${projectId}/jobs/${jobId}/events`],
      ["POST", `/v1/projects/${projectId}/session/reset`],
      ["GET", `/v1/projects/${projectId}/branches`],
      ["GET", `/v1/projects/${projectId}/branches/main`],
      ["GET", `/v1/projects/${projectId}/branches/other`],
      ["GET", `/v1/projects/${projectId}/branches/other/versions`],
      ["GET", `/v1/projects/${projectId}/branches/other/jobs/${jobId}/events`],
      ["POST", `/v1/projects/${projectId}/versions/1/restore`],
      ["POST", `/v1/projects/${projectId}/versions/1/pin`],
    ] as const;
    for (const [method, path] of reads) expect((await api(method, path, { user })).status, path).toBe(404);
    expect((await api("PATCH", `/v1/projects/${projectId}`, { user, body: { resumeEnabled: false } })).status).toBe(404);
    expect((await api("POST", `/v1/projects/${projectId}/updates`, { user, body: { prompt: "x" } })).status).toBe(404);
    expect((await api("POST", `/v1/projects/${projectId}/branches`, { user, body: { name: "other", fromVersion: 1 } })).status).toBe(404);
    expect((await api("POST", `/v1/projects/${projectId}/branches/other/updates`, { user, body: { prompt: "x" } })).status).toBe(404);

    for (const name of [projectId, `${projectId}:other`]) {
      const stub = env.PROJECT.getByName(name);
      const tables = await runInDurableObject(stub, (_instance, state) =>
        state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master").toArray().map((r) => r.name).filter((n) => !n.startsWith("_cf_")));
      expect(tables).toEqual([]);
      expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBeNull();
    }
  });
});
