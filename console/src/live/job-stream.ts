// Follows one job's Server-Sent Events with fetch streaming (so the bearer token goes in a
// header, never the URL), and reconnects with Last-Event-ID after a drop: the server keeps
// the log, so no event is lost or repeated.
import { SseParser } from "./sse.ts";

export interface JobEvent {
  id: number;
  type: string;
  data: Record<string, unknown>;
}

export type StreamStatus = "connecting" | "live" | "reconnecting" | "done" | "failed";

export interface FollowOptions {
  url: string;
  token: string;
  /** Resume after this event id (0: from the start). */
  lastEventId?: number;
  onEvent: (event: JobEvent) => void;
  onStatus: (status: StreamStatus, detail?: string) => void;
  /** 401: the token no longer works. */
  onUnauthorized?: () => void;
  signal: AbortSignal;
  fetchImpl?: typeof fetch;
  /** Wait before reconnect attempt n (1-based). */
  backoffMs?: (attempt: number) => number;
}

const TERMINAL = new Set(["succeeded", "failed"]);
const defaultBackoff = (attempt: number): number => Math.min(10_000, 500 * 2 ** (attempt - 1));

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

function parseData(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
  } catch {
    return { text };
  }
}

/** Resolves when the job has ended (terminal event seen), the stream is refused, or `signal` aborts. */
export async function followJob(options: FollowOptions): Promise<void> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const backoff = options.backoffMs ?? defaultBackoff;
  let lastId = options.lastEventId ?? 0;
  let failures = 0;
  options.onStatus("connecting");
  while (!options.signal.aborted) {
    let ended = false;
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: "text/event-stream" };
      if (lastId > 0) headers["last-event-id"] = String(lastId);
      const res = await fetchImpl(options.url, { headers, signal: options.signal, cache: "no-store" });
      if (res.status === 401) {
        options.onUnauthorized?.();
        options.onStatus("failed", "Your sign-in is no longer accepted.");
        return;
      }
      if (res.status === 404 || res.status === 400) {
        options.onStatus("failed", "This job cannot be found.");
        return;
      }
      if (!res.ok || res.body === null) throw new Error(`status ${res.status}`);
      options.onStatus("live");
      const parser = new SseParser();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const message of parser.push(value)) {
          const id = Number(message.id);
          if (Number.isInteger(id) && id > lastId) lastId = id;
          failures = 0;
          options.onEvent({ id, type: message.event, data: parseData(message.data) });
          if (TERMINAL.has(message.event)) ended = true;
        }
      }
    } catch {
      // A dropped connection or a network error: reconnect below, from the last id seen.
      if (options.signal.aborted) return;
    }
    if (ended) {
      options.onStatus("done");
      return;
    }
    if (options.signal.aborted) return;
    failures += 1;
    options.onStatus("reconnecting", `Connection lost; reconnecting (attempt ${failures})…`);
    await sleep(backoff(failures), options.signal);
  }
}
