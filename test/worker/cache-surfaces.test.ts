// A step's prompt-cache record from the runner through the Durable Object to Postgres, and
// out again: the activity API (with its words), /v1/metrics and Prometheus.
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { projectAiSessionMetrics } from "../../src/db/schema.ts";
import type { ProjectActivity } from "../../src/domain/console-views.ts";
import type { MetricsReport } from "../../src/metrics/types.ts";
import type { CacheReport } from "../../src/runner/protocol.ts";
import { api, db, newUser, postUpdate, readyProject, waitForJob } from "./helpers.ts";

describe("prompt-cache records", () => {
  it("reach the activity API, the metrics and Prometheus; a resumed history written again is flagged in words", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const { jobId } = await postUpdate(user, projectId, "add a footer");
    expect((await waitForJob(user, projectId, jobId)).resume?.decision).toBe("resume");

    const read = async (): Promise<ProjectActivity> => (await api("GET", `/v1/projects/${projectId}/activity`, { user })).body as unknown as ProjectActivity;
    const update = (await read()).operations.find((o) => o.versionNumber === 2 && o.operation === "update");
    // The runner's record arrived as it was sent (the fake runner reports its usage as cache traffic).
    expect(update?.cache).toMatchObject({ calls: 2, readTokens: update?.cacheReadInputTokens, writeTokens: update?.cacheCreationInputTokens, misses: [] });
    expect(update?.cacheNote).toBeNull();

    // The same step as if the cache had expired before the resume.
    const expired: CacheReport = {
      calls: 2, readTokens: 1200, writeTokens: 3400, writeTokens1h: 0, moreMissTokens: 0,
      misses: [{ cause: "ttl_expired", block: "message 3", tokens: 3000, call: 1, history: true, ageSeconds: 12 * 60 + 4, ttl: "5m", minTokens: null, detail: null }],
    };
    await db((d) => d.update(projectAiSessionMetrics).set({ cache: expired }).where(eq(projectAiSessionMetrics.id, update?.id ?? -1)));
    const again = (await read()).operations.find((o) => o.id === update?.id);
    expect(again?.cacheNote).toBe("history written again: cache expired 12 min after its 5-minute write (3,000 tokens)");

    const metrics = (await api("GET", "/v1/metrics", { user })).body as unknown as MetricsReport;
    expect(metrics.cacheMissTokens).toEqual([
      { key: "ttl_expired", count: 3000 },
      { key: "prefix_changed", count: 0 },
      { key: "below_minimum", count: 0 },
      { key: "unknown", count: 0 },
    ]);
    const text = await (await exports.default.fetch(new Request("http://api.test/metrics", { headers: { authorization: `Bearer ${env.METRICS_TOKEN}` } }))).text();
    expect(text).toContain("# TYPE session_chain_cache_miss_tokens_total counter");
    const line = /^session_chain_cache_miss_tokens_total\{cause="ttl_expired"\} (\d+)$/m.exec(text);
    expect(Number(line?.[1])).toBeGreaterThanOrEqual(3000);
  });
});
