import { getContainer } from "@cloudflare/containers";
import type { RunnerClient } from "./client.ts";
import { HttpRunnerClient } from "./http-client.ts";
import type { Transport } from "./http-client.ts";

/** How long the caller may wait: per call, and in all (its invocation's deadline, epoch ms). */
export interface CallLimits {
  callTimeoutMs: number;
  deadline: number;
}

// The one place that chooses how the runner is reached: a local process at RUNNER_URL
// (dev, tests, benchmark) or the project's container through the binding (production).
export function runnerFor(env: Env, projectId: string, limits: CallLimits): RunnerClient {
  return new HttpRunnerClient({ transport: transportFor(env, projectId), token: env.RUNNER_TOKEN, ...limits });
}

function transportFor(env: Env, projectId: string): Transport {
  const url = env.RUNNER_URL.trim();
  if (url !== "") {
    const base = new URL(url);
    return (request) => {
      const target = new URL(request.url);
      target.protocol = base.protocol;
      target.host = base.host;
      return fetch(new Request(target, request));
    };
  }
  const stub = getContainer(env.RUNNER, projectId);
  return (request) => stub.fetch(request);
}
