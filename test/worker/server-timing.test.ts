// Every response reports the Durable Object RPCs the Worker made for it (Server-Timing).
import { describe, expect, it } from "vitest";
import { api, createProject, waitForJob } from "./helpers.ts";

function doTiming(headers: Headers): { calls: number; ms: number } {
  const m = /(?:^|,\s*)do;dur=([\d.]+);desc="(\d+) rpc"/.exec(headers.get("server-timing") ?? "");
  if (m === null) throw new Error(`no do entry in Server-Timing: ${headers.get("server-timing")}`);
  return { ms: Number(m[1]), calls: Number(m[2]) };
}

describe("Server-Timing", () => {
  it("counts one RPC for an update acknowledgement and for a job read, none for /healthz", async () => {
    const user = `timing-${crypto.randomUUID()}`;
    const created = await createProject(user);
    await waitForJob(user, created.projectId, created.jobId);
    const ack = await api("POST", `/v1/projects/${created.projectId}/updates`, { user, body: { prompt: "append to a.txt: x" } });
    expect(ack.status).toBe(202);
    expect(doTiming(ack.headers).calls).toBe(1);
    const read = await api("GET", `/v1/projects/${created.projectId}/jobs/${String((ack.body["job"] as { id: string }).id)}`, { user });
    expect(read.status).toBe(200);
    const timing = doTiming(read.headers);
    expect(timing.calls).toBe(1);
    expect(timing.ms).toBeGreaterThanOrEqual(0);
    expect(doTiming((await api("GET", "/healthz")).headers).calls).toBe(0);
  });

  it("is set on error responses too", async () => {
    const res = await api("GET", "/v1/projects/prj_000000000000000000000000", { user: `timing-${crypto.randomUUID()}` });
    expect(res.status).toBe(404);
    expect(doTiming(res.headers).calls).toBe(1);
  });
});
