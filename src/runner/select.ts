import { getContainer } from "@cloudflare/containers";
import type { RunnerClient } from "./client.ts";
import { HttpRunnerClient } from "./http-client.ts";

// The one place that chooses how the runner is reached: a local process at RUNNER_URL
// (dev, tests, benchmark: it serves every slot) or, in production, the container instance
// the slot names — the RunnerPool leases RUNNER_SLOTS slots, so at most that many run.
export function runnerFor(env: Env, slot: string): RunnerClient {
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
  const stub = getContainer(env.RUNNER, slot);
  return new HttpRunnerClient((request) => stub.fetch(request), env.RUNNER_TOKEN);
}
