// The economic policy end to end (the deployment's default SESSION_POLICY): the Worker, the
// ProjectDO, Postgres, the runner with the real Claude Code engine and the model simulator.
// SESSION_MAX_AGE_HOURS=0 makes every head stale, so the seed rules close resuming and the
// policy hands off: the new session still carries out a request that refers to an earlier one.
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TreeManifest } from "../../container/src/protocol.ts";
import { startStack } from "../../scripts/stack.ts";
import type { Stack } from "../../scripts/stack.ts";
import type { JobView, VersionView } from "../../src/domain/views.ts";

let stack: Stack;
let bearer: string;

beforeAll(async () => {
  stack = await startStack({ latencyScale: 0, database: "postgres", vars: { SESSION_MAX_AGE_HOURS: "0" } });
  bearer = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("policy-e2e").setIssuedAt().setExpirationTime("1h").sign(new TextEncoder().encode(stack.authSecret));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, { method, headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function finished(projectId: string, jobId: string): Promise<JobView> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const job = await call<JobView>("GET", `/v1/projects/${projectId}/jobs/${jobId}`);
    if (job.status === "succeeded" || job.status === "failed") return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function update(projectId: string, prompt: string): Promise<JobView> {
  const { job } = await call<{ job: JobView }>("POST", `/v1/projects/${projectId}/updates`, { prompt });
  const done = await finished(projectId, job.id);
  expect(done.status).toBe("succeeded");
  return done;
}

async function workspaceFile(projectId: string, path: string): Promise<string | null> {
  const tree = TreeManifest.parse(await (await fetch(`${stack.runnerUrl}/v1/workspaces/${projectId}/tree`)).json());
  const file = tree.files.find((f) => f.path === path);
  return file === undefined ? null : (await fetch(`${stack.runnerUrl}/v1/workspaces/${projectId}/blobs/${file.sha256}`)).text();
}

describe("the economic policy through the real engine", () => {
  it("a stale head is handed off: the new session undoes a version it never saw, and the version records the choice and its cost", async () => {
    const created = await call<{ project: { id: string }; job: JobView }>("POST", "/v1/projects", { name: "policy-e2e", prompt: "create notes.ts with export const title = 1;" });
    const projectId = created.project.id;
    expect((await finished(projectId, created.job.id)).status).toBe("succeeded");
    await update(projectId, "append to notes.ts: export const alpha = 2;");
    expect(await workspaceFile(projectId, "notes.ts")).toBe("export const title = 1;\nexport const alpha = 2;\n");

    const undo = await update(projectId, "undo version 2");
    expect(undo.resume?.decision).toBe("fresh");
    expect(undo.resume?.reason).toMatch(/^fresh with handoff: stale: last used \d+ min ago \(limit 0 min\); predicted \$\d\.\d+ vs \$\d\.\d+ fresh/);
    expect(await workspaceFile(projectId, "notes.ts")).toBe("export const title = 1;\n");

    const { versions } = await call<{ versions: VersionView[] }>("GET", `/v1/projects/${projectId}/versions`);
    const v3 = versions.find((v) => v.versionNumber === 3);
    expect(v3?.policy).toMatchObject({ choice: "handoff", cacheTtl: expect.stringMatching(/^(5m|1h)$/) });
    expect(v3?.policy?.predictions.filter((p) => p.allowed).map((p) => p.option)).toEqual(["handoff", "fresh"]);
    // The actual is the engine's bill for the update and metadata steps; the prediction is near it.
    expect(v3?.policy?.actualCostUsd).toBeGreaterThan(0);
    const error = Math.abs((v3?.policy?.predictedCostUsd ?? 0) - (v3?.policy?.actualCostUsd ?? 0)) / (v3?.policy?.actualCostUsd ?? 1);
    expect(error).toBeLessThan(0.5);
  });
});
