import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SessionView } from "../../src/domain/views.ts";
import { api, fake, newUser, postUpdate, readyProject, waitForJob } from "./helpers.ts";

interface Stored {
  key: string;
  size: number;
  parent: string | null;
  depth: number;
  bytes: number;
}

async function transcripts(projectId: string): Promise<Map<string, Stored>> {
  const found = new Map<string, Stored>();
  const page = await env.ARTIFACTS.list({ prefix: `projects/${projectId}/transcripts/`, include: ["customMetadata"] });
  for (const object of page.objects) {
    const name = object.key.split("/").at(-1) ?? "";
    const meta = object.customMetadata ?? {};
    found.set(name, { key: object.key, size: object.size, parent: meta["parent"] ?? null, depth: Number(meta["depth"] ?? 0), bytes: Number(meta["bytes"] ?? 0) });
  }
  return found;
}

async function exported(projectId: string, sessionId: string): Promise<string> {
  const res = await fetch(`${env.RUNNER_URL}/v1/workspaces/${projectId}/sessions/${sessionId}/transcript`);
  expect(res.status).toBe(200);
  return new TextDecoder().decode(await res.arrayBuffer());
}

async function session(user: string, projectId: string): Promise<SessionView> {
  return (await api("GET", `/v1/projects/${projectId}/session?limit=100`, { user })).body as unknown as SessionView;
}

describe("transcripts stored as deltas", () => {
  it("each step after the first is a delta from the session it resumed; a wiped runner gets the exact transcript back and resumes it", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    for (const prompt of ["one", "two", "three"]) {
      expect((await waitForJob(user, projectId, (await postUpdate(user, projectId, `update ${prompt}`)).jobId)).status).toBe("succeeded");
    }
    const chain = await session(user, projectId);
    const head = chain.headSessionId ?? "";
    const stored = await transcripts(projectId);
    const first = chain.history[0];
    expect(first?.relation).toBe("new");
    expect(stored.get(`${first?.sessionId}.jsonl`)).toBeDefined(); // a new session has no parent: stored whole
    for (const link of chain.history.slice(1)) {
      const delta = stored.get(`${link.sessionId}.delta`);
      expect(delta?.parent).toBe(link.parentSessionId);
      expect(delta?.size).toBeLessThan(delta?.bytes ?? 0);
    }
    expect(stored.get(`${head}.delta`)?.depth).toBe(chain.history.length - 1);
    const before = await exported(projectId, head);
    expect(stored.get(`${head}.delta`)?.bytes).toBe(new TextEncoder().encode(before).length);

    await fake(projectId, "wipe", {}); // the container's disk is gone
    const next = await waitForJob(user, projectId, (await postUpdate(user, projectId, "after the wipe")).jobId);
    expect(next.status).toBe("succeeded");
    expect(next.resume?.decision).toBe("resume");
    expect(next.sessionIdIn).toBe(head);
    // The whole chain was put back, oldest first, each delta on its parent; the head is byte-identical.
    const imports = (await fake(projectId, "calls"))["transcriptImports"] as string[];
    expect(imports).toEqual(chain.history.map((link) => link.sessionId));
    expect(await exported(projectId, head)).toBe(before);
  });

  it("a chain too deep to rebuild cheaply gets a whole copy again", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const { MAX_DELTA_DEPTH } = await import("../../src/artifacts/transcripts.ts");
    // Pretend the head is already at the depth limit.
    const head = (await session(user, projectId)).headSessionId ?? "";
    const key = `projects/${projectId}/transcripts/${head}.delta`;
    const object = await env.ARTIFACTS.get(key);
    expect(object).not.toBeNull();
    await env.ARTIFACTS.put(key, (await object?.arrayBuffer()) ?? new ArrayBuffer(0), { customMetadata: { ...object?.customMetadata, depth: String(MAX_DELTA_DEPTH) } });
    const done = await waitForJob(user, projectId, (await postUpdate(user, projectId, "one more")).jobId);
    expect(done.status).toBe("succeeded");
    const stored = await transcripts(projectId);
    const chain = await session(user, projectId);
    const afterLimit = chain.history.find((link) => link.parentSessionId === head);
    expect(stored.get(`${afterLimit?.sessionId}.jsonl`)).toBeDefined();
    const after = chain.history.slice(chain.history.findIndex((link) => link === afterLimit) + 1);
    expect(after.length).toBeGreaterThan(0);
    expect(stored.get(`${chain.headSessionId}.delta`)?.depth).toBe(after.length);
  });
});
