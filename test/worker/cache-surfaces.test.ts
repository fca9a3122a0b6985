// A step's prompt-cache record from the runner through the Durable Object to Postgres, and
// out again: the job's events, the version and the activity API (with the words of
// cacheNote), /v1/metrics and Prometheus; and the policy's check of its warm prediction.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ProjectActivity } from "../../src/domain/console-views.ts";
import type { VersionView } from "../../src/domain/views.ts";
import type { MetricsReport } from "../../src/metrics/types.ts";
import { api, fake, newUser, postUpdate, readEvents, readyProject, waitForJob } from "./helpers.ts";

describe("prompt-cache records", () => {
  it("a resume that read its history carries the record and no words; one whose cache expired is flagged everywhere", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const warm = await postUpdate(user, projectId, "add a footer");
    expect((await waitForJob(user, projectId, warm.jobId)).resume?.decision).toBe("resume");

    const activity = async (): Promise<ProjectActivity> => (await api("GET", `/v1/projects/${projectId}/activity`, { user })).body as unknown as ProjectActivity;
    const update2 = (await activity()).operations.find((o) => o.versionNumber === 2 && o.operation === "update");
    // The runner's record arrived as it was sent (the fake runner reports its usage as cache traffic).
    expect(update2?.cache).toMatchObject({ calls: 2, readTokens: update2?.cacheReadInputTokens, writeTokens: update2?.cacheCreationInputTokens, misses: [] });
    expect(update2?.cacheNote).toBeNull();
    const warmEvents = (await readEvents(user, `/v1/projects/${projectId}/jobs/${warm.jobId}/events`)).events;
    // The policy's prediction checked against the measurement (a head compacted at the job's
    // end is predicted cold; the fake runner reads it anyway).
    const warmCheck = warmEvents.find((e) => e.event === "cache_check")?.data;
    expect(warmCheck).toEqual({ predictedWarm: expect.any(Boolean), measured: "read", agrees: warmCheck?.["predictedWarm"] });

    // The next resume finds its history expired, 12 minutes after its 5-minute write.
    await fake(projectId, "expire_cache", { minutes: 12 });
    const cold = await postUpdate(user, projectId, "add a header");
    expect((await waitForJob(user, projectId, cold.jobId)).resume?.decision).toBe("resume");
    const update3 = (await activity()).operations.find((o) => o.versionNumber === 3 && o.operation === "update");
    const note = `history written again: cache expired 12 min after its 5-minute write (${(update3?.cache?.misses[0]?.tokens ?? 0).toLocaleString("en-US")} tokens)`;
    expect(update3?.cache?.misses).toEqual([expect.objectContaining({ cause: "ttl_expired", history: true, ageSeconds: 720, ttl: "5m" })]);
    expect(update3?.cacheNote).toBe(note);
    const versions = (await api("GET", `/v1/projects/${projectId}/versions`, { user })).body as unknown as { versions: VersionView[] };
    expect(versions.versions.find((v) => v.versionNumber === 3)?.cacheNote).toBe(note);
    expect(versions.versions.find((v) => v.versionNumber === 2)?.cacheNote).toBeNull();
    const coldEvents = (await readEvents(user, `/v1/projects/${projectId}/jobs/${cold.jobId}/events`)).events;
    expect(coldEvents.find((e) => e.event === "step_finished" && e.data["step"] === "update")?.data["cacheNote"]).toBe(note);
    const coldCheck = coldEvents.find((e) => e.event === "cache_check")?.data;
    expect(coldCheck).toEqual({ predictedWarm: expect.any(Boolean), measured: "ttl_expired", agrees: coldCheck?.["predictedWarm"] === false });

    const metrics = (await api("GET", "/v1/metrics", { user })).body as unknown as MetricsReport;
    expect(metrics.cacheMissTokens).toEqual([
      { key: "ttl_expired", count: update3?.cache?.misses[0]?.tokens },
      { key: "prefix_changed", count: 0 },
      { key: "below_minimum", count: 0 },
      { key: "unknown", count: 0 },
    ]);
    const text = await (await exports.default.fetch(new Request("http://api.test/metrics", { headers: { authorization: `Bearer ${env.METRICS_TOKEN}` } }))).text();
    expect(text).toContain("# TYPE session_chain_cache_miss_tokens_total counter");
    const line = /^session_chain_cache_miss_tokens_total\{cause="ttl_expired"\} (\d+)$/m.exec(text);
    expect(Number(line?.[1])).toBeGreaterThanOrEqual(update3?.cache?.misses[0]?.tokens ?? 1);
  });
});
