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
// (dev, tests, benchmark: it serves every slot) or, in production, the container instance
// the slot names — the RunnerPool leases RUNNER_SLOTS slots, so at most that many run.
export function runnerFor(env: Env, slot: string, limits: CallLimits): RunnerClient {
  return new HttpRunnerClient({ transport: transportFor(env, slot), token: env.RUNNER_TOKEN, ...limits });
}

function transportFor(env: Env, slot: string): Transport {
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
  const stub = getContainer(env.RUNNER, slot);
  return (request) => stub.fetch(request);
}
