import type { FollowEnd, RunnerClient, SizedStream, TranscriptExport, TranscriptFormat } from "./client.ts";
import { RunnerUnavailableError } from "./client.ts";
import { ndjsonLines } from "./ndjson.ts";
import type { ChunkReader } from "./ndjson.ts";
import type { Fingerprint, LoggedEvent, RunRequestInput, RunStatus, TreeManifest } from "./protocol.ts";
import {
  ErrorEnvelope, EVENTS_IDLE_MS, FinalEvent, ForkSessionResponse, LoggedEvent as LoggedEventSchema, MissingBlobsResponse, RunResponse, SessionInfoResponse,
  TRANSCRIPT_BYTES_HEADER, TRANSCRIPT_CONTENT_TYPE, TRANSCRIPT_DELTA_CONTENT_TYPE, TreeManifest as TreeManifestSchema, WorkspaceResponse,
} from "./protocol.ts";

/** Anything that can carry a Request to the runner: global fetch, or a container stub. */
export type Transport = (request: Request) => Promise<Response>;

export interface HttpRunnerOptions {
  transport: Transport;
  token: string;
  /** Longest any one call (a blob included) may take. */
  callTimeoutMs: number;
  /** Epoch ms after which no call may still be running (the alarm invocation's budget). */
  deadline: number;
  /** Silence on a run's events stream (no event, no heartbeat) that counts as a dead connection. */
  streamIdleMs?: number;
}

const BASE = "http://runner";

// The runner protocol over HTTP (docs/runner-protocol.md). Used with a URL in dev and
// tests, and with the container binding's fetch in production. Every call carries a
// timeout that ends inside the invocation's budget.
export class HttpRunnerClient implements RunnerClient {
  private readonly options: HttpRunnerOptions;
  constructor(options: HttpRunnerOptions) {
    this.options = options;
  }

  private callSignal(): AbortSignal {
    const left = Math.max(0, this.options.deadline - Date.now());
    return AbortSignal.timeout(Math.min(this.options.callTimeoutMs, left));
  }

  private async send(method: string, path: string, init: { body?: BodyInit; contentType?: string; length?: number; signal?: AbortSignal } = {}): Promise<Response> {
    const headers = new Headers();
    if (this.options.token !== "") headers.set("authorization", `Bearer ${this.options.token}`);
    if (init.contentType !== undefined) headers.set("content-type", init.contentType);
    if (init.length !== undefined) headers.set("content-length", String(init.length));
    const signal = init.signal ?? this.callSignal();
    const request = new Request(`${BASE}${path}`, { method, headers, signal, ...(init.body !== undefined ? { body: init.body } : {}) });
    try {
      return await raceAbort(this.options.transport(request), signal);
    } catch (err) {
      const why = signal.aborted ? "timed out" : `unreachable: ${err instanceof Error ? err.message : String(err)}`;
      throw new RunnerUnavailableError(`runner ${method} ${path.split("?")[0] ?? path} ${why}`, true);
    }
  }

  async startRun(request: RunRequestInput): Promise<RunStatus> {
    const res = await this.send("POST", "/v1/runs", { body: JSON.stringify(request), contentType: "application/json" });
    await expectOk(res);
    return RunResponse.parse(await res.json()).run;
  }

  async runStatus(runId: string): Promise<RunStatus | null> {
    const res = await this.send("GET", `/v1/runs/${enc(runId)}`);
    if (res.status === 404) return null;
    await expectOk(res);
    return RunResponse.parse(await res.json()).run;
  }

  async followRun(runId: string, afterSeq: number, onEvent: (event: LoggedEvent) => void, signal: AbortSignal): Promise<FollowEnd> {
    let res: Response;
    try {
      res = await this.send("GET", `/v1/runs/${enc(runId)}/events?after=${afterSeq}`, { signal });
    } catch (err) {
      if (signal.aborted) return { kind: "open" };
      throw err;
    }
    if (res.status === 404) return { kind: "unknown" };
    await expectOk(res);
    if (res.body === null) return { kind: "broken", message: "runner sent no body" };
    const reader = res.body.getReader();
    // Some transports ignore the signal once headers are in: cancel the read ourselves.
    const stop = (): void => void reader.cancel().catch(() => undefined);
    signal.addEventListener("abort", stop, { once: true });
    // A live stream carries a heartbeat; silence beyond the idle limit is a connection that
    // died without closing (seen under load): cancel it and let the caller reconnect.
    const idle = new IdleWatch(this.options.streamIdleMs ?? EVENTS_IDLE_MS, stop);
    try {
      for await (const line of ndjsonLines(idle.watch(reader))) {
        const parsed = LoggedEventSchema.safeParse(JSON.parse(line));
        if (!parsed.success) continue; // unknown event kinds from a newer runner are skipped
        const event = parsed.data;
        // The schema keeps only the event's own fields (its log position is not part of it).
        if (event.type === "result" || event.type === "error") return { kind: "final", final: FinalEvent.parse(event) };
        onEvent(event);
      }
    } catch (err) {
      if (signal.aborted) return { kind: "open" };
      if (idle.fired) return idle.broken();
      return { kind: "broken", message: `runner stream broke: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      idle.clear();
      signal.removeEventListener("abort", stop);
    }
    if (signal.aborted) return { kind: "open" };
    return idle.fired ? idle.broken() : { kind: "broken", message: "runner stream ended without a final event" };
  }

  async cancelRun(runId: string): Promise<void> {
    const res = await this.send("DELETE", `/v1/runs/${enc(runId)}`);
    if (res.status !== 404) await expectOk(res);
  }

  async hasSession(workspaceId: string, sessionId: string): Promise<boolean> {
    const res = await this.send("GET", `${ws(workspaceId)}/sessions/${enc(sessionId)}`);
    if (res.status === 404) return false;
    await expectOk(res);
    SessionInfoResponse.parse(await res.json());
    return true;
  }

  async openTranscript(workspaceId: string, sessionId: string, base: string | null = null): Promise<TranscriptExport | null> {
    const query = base === null ? "" : `?base=${enc(base)}`;
    const res = await this.send("GET", `${ws(workspaceId)}/sessions/${enc(sessionId)}/transcript${query}`);
    if (res.status === 404) return null;
    await expectOk(res);
    const body = sized(res);
    const format: TranscriptFormat = (res.headers.get("content-type") ?? "").startsWith(TRANSCRIPT_DELTA_CONTENT_TYPE) ? "delta" : "full";
    const whole = Number(res.headers.get(TRANSCRIPT_BYTES_HEADER));
    return { ...body, format, transcriptBytes: Number.isSafeInteger(whole) && whole >= 0 ? whole : body.size };
  }

  async putTranscript(workspaceId: string, sessionId: string, transcript: SizedStream, format: TranscriptFormat = "full"): Promise<void> {
    const contentType = format === "delta" ? TRANSCRIPT_DELTA_CONTENT_TYPE : TRANSCRIPT_CONTENT_TYPE;
    const res = await this.send("PUT", `${ws(workspaceId)}/sessions/${enc(sessionId)}/transcript`, { body: transcript.body, contentType, length: transcript.size });
    await expectOk(res);
  }

  async forkSession(workspaceId: string, sessionId: string): Promise<ForkSessionResponse> {
    const res = await this.send("POST", `${ws(workspaceId)}/sessions/${enc(sessionId)}/fork`);
    await expectOk(res);
    return ForkSessionResponse.parse(await res.json());
  }

  async workspace(workspaceId: string): Promise<Fingerprint> {
    const res = await this.send("GET", ws(workspaceId));
    await expectOk(res);
    return WorkspaceResponse.parse(await res.json()).fingerprint;
  }

  async tree(workspaceId: string): Promise<TreeManifest> {
    const res = await this.send("GET", `${ws(workspaceId)}/tree`);
    await expectOk(res);
    return TreeManifestSchema.parse(await res.json());
  }

  async openBlob(workspaceId: string, sha256: string): Promise<SizedStream> {
    const res = await this.send("GET", `${ws(workspaceId)}/blobs/${enc(sha256)}`);
    await expectOk(res);
    return sized(res);
  }

  async missingBlobs(workspaceId: string, sha256: readonly string[]): Promise<string[]> {
    const res = await this.send("POST", `${ws(workspaceId)}/blobs/missing`, { body: JSON.stringify({ sha256 }), contentType: "application/json" });
    await expectOk(res);
    return MissingBlobsResponse.parse(await res.json()).missing;
  }

  async putBlob(workspaceId: string, sha256: string, blob: SizedStream): Promise<void> {
    const res = await this.send("PUT", `${ws(workspaceId)}/blobs/${enc(sha256)}`, { body: blob.body, contentType: "application/octet-stream", length: blob.size });
    await expectOk(res);
  }

  async importTree(workspaceId: string, manifest: TreeManifest): Promise<Fingerprint> {
    const res = await this.send("PUT", `${ws(workspaceId)}/tree`, { body: JSON.stringify(manifest), contentType: "application/json" });
    await expectOk(res);
    return WorkspaceResponse.parse(await res.json()).fingerprint;
  }
}

/** Calls `onIdle` when no chunk arrived for `idleMs`; the timer restarts with every chunk. */
class IdleWatch {
  fired = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly idleMs: number;
  private readonly onIdle: () => void;
  constructor(idleMs: number, onIdle: () => void) {
    this.idleMs = idleMs;
    this.onIdle = onIdle;
  }

  watch(reader: ChunkReader): ChunkReader {
    return {
      read: async () => {
        this.arm();
        const chunk = await reader.read();
        this.clear();
        return chunk;
      },
    };
  }

  broken(): FollowEnd {
    return { kind: "broken", message: `runner stream went quiet for ${this.idleMs} ms (no event, no heartbeat)` };
  }

  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    this.clear();
    this.timer = setTimeout(() => {
      this.fired = true;
      this.onIdle();
    }, this.idleMs);
  }
}

const enc = encodeURIComponent;
const ws = (workspaceId: string): string => `/v1/workspaces/${enc(workspaceId)}`;

function sized(res: Response): SizedStream {
  const size = Number(res.headers.get("content-length"));
  if (res.body === null || !Number.isSafeInteger(size) || size < 0) {
    throw new RunnerUnavailableError("runner answered without a body of known length", true);
  }
  return { body: res.body, size };
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

async function expectOk(res: Response): Promise<void> {
  if (res.ok) return;
  const text = await res.text().catch(() => "");
  let code: string | null = null;
  let message = `runner answered ${res.status}`;
  try {
    const parsed = ErrorEnvelope.safeParse(JSON.parse(text));
    if (parsed.success) {
      code = parsed.data.error.code;
      message = `${res.status} ${code}: ${parsed.data.error.message}`;
    }
  } catch {
    // not JSON: keep the raw status
  }
  // 409 busy: another run of this workspace is still finishing; waiting helps.
  const retryable = code === "busy" || res.status === 429 || res.status >= 500;
  throw new RunnerUnavailableError(message, retryable, { status: res.status, code });
}
