import { getContainer } from "@cloudflare/containers";
import type { RunnerClient } from "./client.ts";
import { HttpRunnerClient } from "./http-client.ts";

// The one place that chooses how the runner is reached: a local process at RUNNER_URL
// (dev, tests, benchmark) or the project's container through the binding (production).
export function runnerFor(env: Env, projectId: string): RunnerClient {
  const url = env.RUNNER_URL.trim();
  if (url !== "") {
    const base = new URL(url);
    return new HttpRunnerClient((request) => {
      const target = new URL(request.url);
      target.protocol = base.protocol;
      target.host = base.host;
      return fetch(new Request(target, request));
    }, env.RUNNER_TOKEN);
  }
  const stub = getContainer(env.RUNNER, projectId);
  return new HttpRunnerClient((request) => stub.fetch(request), env.RUNNER_TOKEN);
}
