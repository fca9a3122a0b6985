// The public HTTP API as the benchmark uses it: HS256 bearer tokens signed with the
// stack's AUTH_SECRET, JSON in and out, jobs polled until they finish.
import { SignJWT } from "jose";
import type { JobView, VersionView } from "../src/domain/views.ts";
import type { MetricsReport } from "../src/metrics/types.ts";

export interface Accepted {
  project: { id: string };
  job: JobView;
}

export class ApiClient {
  readonly url: string;
  readonly #bearer: string;

  private constructor(url: string, bearer: string) {
    this.url = url;
    this.#bearer = bearer;
  }

  static async create(url: string, authSecret: string, userId: string): Promise<ApiClient> {
    const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setIssuedAt().setExpirationTime("2h").sign(new TextEncoder().encode(authSecret));
    return new ApiClient(url, token);
  }

  /** Headers for requests the caller times itself. */
  headers(): Record<string, string> {
    return { authorization: `Bearer ${this.#bearer}`, "content-type": "application/json" };
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.#bearer}`, "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }

  createProject(name: string, prompt: string): Promise<Accepted> {
    return this.call<Accepted>("POST", "/v1/projects", { name, prompt });
  }

  postUpdate(projectId: string, prompt: string): Promise<Accepted> {
    return this.call<Accepted>("POST", `/v1/projects/${projectId}/updates`, { prompt });
  }

  job(projectId: string, jobId: string): Promise<JobView> {
    return this.call<JobView>("GET", `/v1/projects/${projectId}/jobs/${jobId}`);
  }

  /** Every version of the project, oldest first (all pages). */
  async versions(projectId: string): Promise<VersionView[]> {
    const all: VersionView[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "?limit=100" : `?limit=100&cursor=${encodeURIComponent(cursor)}`;
      const page: { versions: VersionView[]; nextCursor: string | null } = await this.call("GET", `/v1/projects/${projectId}/versions${query}`);
      all.push(...page.versions);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return all;
  }

  /** The job's events (GET …/events, Server-Sent Events) once it has finished: the stream ends by itself. */
  async jobEvents(projectId: string, jobId: string): Promise<{ type: string; data: unknown }[]> {
    const res = await fetch(`${this.url}/v1/projects/${projectId}/jobs/${jobId}/events`, { headers: this.headers() });
    const text = await res.text();
    if (!res.ok) throw new Error(`events of ${jobId} → ${res.status} ${text.slice(0, 300)}`);
    return text.split("\n\n").flatMap((block) => {
      const type = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      return type === undefined || data === undefined ? [] : [{ type, data: JSON.parse(data) as unknown }];
    });
  }

  metrics(): Promise<MetricsReport> {
    return this.call<MetricsReport>("GET", "/v1/metrics");
  }

  /** Polls until the job has finished; bounded by `timeoutMs`. */
  async finished(projectId: string, jobId: string, timeoutMs: number, pollMs = 100): Promise<JobView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.job(projectId, jobId);
      if (job.status === "succeeded" || job.status === "failed") return job;
      if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
