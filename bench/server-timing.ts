// The Worker's `Server-Timing: do;dur=<ms>;desc="<n> rpc"` (src/router/server-timing.ts):
// how many Durable Object RPCs a request made and how long they took.
export interface DoTiming {
  rpcs: number;
  ms: number;
}

export function doTiming(headers: Headers): DoTiming | null {
  const m = /(?:^|,\s*)do;dur=([\d.]+);desc="(\d+) rpc"/.exec(headers.get("server-timing") ?? "");
  return m === null ? null : { ms: Number(m[1]), rpcs: Number(m[2]) };
}

export interface TimedRequest {
  ms: number;
  status: number;
  body: string;
  timing: DoTiming | null;
}

/** Wall time of one request, body included. */
export async function timedFetch(url: string, init: RequestInit): Promise<TimedRequest> {
  const start = performance.now();
  const res = await fetch(url, init);
  const body = await res.text();
  return { ms: performance.now() - start, status: res.status, body, timing: doTiming(res.headers) };
}
