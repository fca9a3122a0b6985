import { describe, expect, it } from "vitest";
import { followJob } from "../../console/src/live/job-stream.ts";
import type { JobEvent, StreamStatus } from "../../console/src/live/job-stream.ts";

// A server double speaking text/event-stream: each connection answers from a script.
type Reply = { status: number; chunks?: string[] } | "network_error";

function scriptedFetch(replies: Reply[]): { fetch: typeof fetch; requests: Headers[] } {
  const requests: Headers[] = [];
  const fetchImpl = (async (_url: string | URL | Request, init?: RequestInit) => {
    requests.push(new Headers(init?.headers));
    const reply = replies.shift();
    if (reply === undefined) throw new Error("no more replies scripted");
    if (reply === "network_error") throw new TypeError("fetch failed");
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of reply.chunks ?? []) controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    });
    return new Response(body, { status: reply.status, headers: { "content-type": "text/event-stream" } });
  }) as typeof fetch;
  return { fetch: fetchImpl, requests };
}

const sse = (id: number, event: string, data: unknown): string => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

async function follow(replies: Reply[], lastEventId = 0) {
  const server = scriptedFetch(replies);
  const events: JobEvent[] = [];
  const statuses: StreamStatus[] = [];
  let unauthorized = 0;
  await followJob({
    url: "/v1/projects/p/jobs/j/events", token: "tok", lastEventId, signal: new AbortController().signal,
    fetchImpl: server.fetch, backoffMs: () => 0,
    onEvent: (e) => events.push(e), onStatus: (s) => statuses.push(s), onUnauthorized: () => { unauthorized++; },
  });
  return { events, statuses, requests: server.requests, unauthorized };
}

describe("followJob", () => {
  it("reconnects after a dropped stream with Last-Event-ID and the bearer header, until the job ends", async () => {
    const { events, statuses, requests } = await follow([
      { status: 200, chunks: [sse(1, "queued", { versionNumber: 2 }), sse(2, "running", {}).slice(0, 9)] },
      "network_error",
      { status: 200, chunks: [sse(2, "running", {}), sse(3, "step_started", { step: "update" })] },
      { status: 200, chunks: [sse(4, "succeeded", { totals: {} })] },
    ]);
    expect(events.map((e) => `${e.id}:${e.type}`)).toEqual(["1:queued", "2:running", "3:step_started", "4:succeeded"]);
    expect(events[0]?.data).toEqual({ versionNumber: 2 });
    expect(requests.map((h) => h.get("last-event-id"))).toEqual([null, "1", "1", "3"]);
    for (const h of requests) expect(h.get("authorization")).toBe("Bearer tok");
    expect(statuses[0]).toBe("connecting");
    expect(statuses).toContain("reconnecting");
    expect(statuses.at(-1)).toBe("done");
  });

  it("starts after a given event id", async () => {
    const { requests } = await follow([{ status: 200, chunks: [sse(10, "failed", { error: null })] }], 9);
    expect(requests[0]?.get("last-event-id")).toBe("9");
  });

  it("stops on 401 (and says so) and on 404", async () => {
    const refused = await follow([{ status: 401 }]);
    expect(refused.unauthorized).toBe(1);
    expect(refused.statuses.at(-1)).toBe("failed");
    const missing = await follow([{ status: 404 }]);
    expect(missing.statuses.at(-1)).toBe("failed");
    expect(missing.requests).toHaveLength(1);
  });
});
