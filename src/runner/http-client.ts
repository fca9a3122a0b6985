import type { ProgressListener, RunOutcome, RunnerClient, RunnerFailure } from "./client.ts";
import { RunnerUnavailableError } from "./client.ts";
import type { Fingerprint, RunRequestInput, SnapshotPutRequest } from "./protocol.ts";
import { ErrorEnvelope, RunEvent, SessionInfoResponse, SnapshotPutRequest as SnapshotSchema, WorkspaceResponse } from "./protocol.ts";

/** Anything that can carry a Request to the runner: global fetch, or a container stub. */
export type Transport = (request: Request) => Promise<Response>;

const BASE = "http://runner";

// The runner protocol over HTTP (docs/runner-protocol.md). Used with a URL in dev and
// tests, and with the container binding's fetch in production.
export class HttpRunnerClient implements RunnerClient {
  private readonly transport: Transport;
  private readonly token: string;
  constructor(transport: Transport, token: string) {
    this.transport = transport;
    this.token = token;
  }

  private async send(method: string, path: string, body?: BodyInit, contentType?: string): Promise<Response> {
    const headers = new Headers();
    if (this.token !== "") headers.set("authorization", `Bearer ${this.token}`);
    if (contentType !== undefined) headers.set("content-type", contentType);
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = body;
    try {
      return await this.transport(new Request(`${BASE}${path}`, init));
    } catch (err) {
      throw new RunnerUnavailableError(`runner unreachable: ${err instanceof Error ? err.message : String(err)}`, true);
    }
  }

  async run(request: RunRequestInput, onProgress: ProgressListener): Promise<RunOutcome> {
    let response: Response;
    try {
      response = await this.send("POST", "/v1/runs", JSON.stringify(request), "application/json");
    } catch (err) {
      return failure("overloaded", err instanceof Error ? err.message : String(err), true);
    }
    if (!response.ok) return failure(...(await statusFailure(response)));
    if (response.body === null) return failure("internal", "runner sent no body", true);
    try {
      for await (const line of ndjsonLines(response.body)) {
        const parsed = RunEvent.safeParse(JSON.parse(line));
        if (!parsed.success) continue; // unknown event kinds from a newer runner are skipped
        const event = parsed.data;
        if (event.type === "result") return { ok: true, result: event };
        if (event.type === "error") {
          const { type: _type, ...error } = event;
          return { ok: false, error };
        }
        onProgress(event);
      }
    } catch (err) {
      return failure("internal", `runner stream broke: ${err instanceof Error ? err.message : String(err)}`, true);
    }
    return failure("internal", "runner stream ended without a result", true);
  }

  async hasSession(projectId: string, sessionId: string): Promise<boolean> {
    const res = await this.send("GET", `/v1/projects/${enc(projectId)}/sessions/${enc(sessionId)}`);
    if (res.status === 404) return false;
    await expectOk(res);
    SessionInfoResponse.parse(await res.json());
    return true;
  }

  async exportTranscript(projectId: string, sessionId: string): Promise<string | null> {
    const res = await this.send("GET", `/v1/projects/${enc(projectId)}/sessions/${enc(sessionId)}/transcript`);
    if (res.status === 404) return null;
    await expectOk(res);
    // NDJSON is text; decode explicitly (workerd warns on .text() for non-text types).
    return new TextDecoder().decode(await res.arrayBuffer());
  }

  async importTranscript(projectId: string, sessionId: string, jsonl: string): Promise<void> {
    const res = await this.send("PUT", `/v1/projects/${enc(projectId)}/sessions/${enc(sessionId)}/transcript`, jsonl, "application/x-ndjson");
    await expectOk(res);
  }

  async workspace(projectId: string): Promise<Fingerprint> {
    const res = await this.send("GET", `/v1/projects/${enc(projectId)}/workspace`);
    await expectOk(res);
    return WorkspaceResponse.parse(await res.json()).fingerprint;
  }

  async exportSnapshot(projectId: string): Promise<SnapshotPutRequest> {
    const res = await this.send("GET", `/v1/projects/${enc(projectId)}/workspace/snapshot`);
    await expectOk(res);
    return SnapshotSchema.parse(await res.json());
  }

  async importSnapshot(projectId: string, snapshot: SnapshotPutRequest): Promise<Fingerprint> {
    const res = await this.send("PUT", `/v1/projects/${enc(projectId)}/workspace/snapshot`, JSON.stringify(snapshot), "application/json");
    await expectOk(res);
    return WorkspaceResponse.parse(await res.json()).fingerprint;
  }
}

const enc = encodeURIComponent;

function failure(code: RunnerFailure["code"], message: string, retryable: boolean): RunOutcome {
  return { ok: false, error: { code, message, retryable, sessionId: null } };
}

async function statusFailure(res: Response): Promise<[RunnerFailure["code"], string, boolean]> {
  const message = await errorMessage(res);
  if (res.status === 400) return ["bad_request", message, false];
  // 409 busy: another run of this project is still finishing on the runner; waiting helps.
  if (res.status === 409 || res.status === 429 || res.status >= 500) return ["overloaded", message, true];
  return ["internal", message, false];
}

async function errorMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const parsed = ErrorEnvelope.safeParse(JSON.parse(text));
    if (parsed.success) return `${res.status} ${parsed.data.error.code}: ${parsed.data.error.message}`;
  } catch {
    // not JSON: fall through to the raw status
  }
  return `runner answered ${res.status}`;
}

async function expectOk(res: Response): Promise<void> {
  if (res.ok) return;
  const message = await errorMessage(res);
  throw new RunnerUnavailableError(message, res.status === 409 || res.status === 429 || res.status >= 500);
}

/** Splits a byte stream into complete lines; a final line without newline is kept. */
export async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line !== "") yield line;
      newline = buffer.indexOf("\n");
    }
  }
  const rest = (buffer + decoder.decode()).trim();
  if (rest !== "") yield rest;
}
