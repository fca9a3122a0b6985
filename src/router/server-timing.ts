import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context.ts";

// Observability: every response says how many Durable Object RPCs the Worker made for it
// and how long they took in all, as `Server-Timing: do;dur=<ms>;desc="<n> rpc"` (visible
// in browser dev tools; the benchmark reads it). The PROJECT binding is wrapped for the
// request, so each RPC on a stub it hands out is counted. For a streamed response (SSE)
// the header covers the calls made before the stream started.
interface RpcTally {
  calls: number;
  ms: number;
}

function countingStub<T extends object>(stub: T, tally: RpcTally): T {
  return new Proxy(stub, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]): Promise<unknown> => {
        tally.calls += 1;
        const started = performance.now();
        try {
          return await Reflect.apply(value, target, args);
        } finally {
          tally.ms += performance.now() - started;
        }
      };
    },
  });
}

function countingNamespace(ns: Env["PROJECT"], tally: RpcTally): Env["PROJECT"] {
  return new Proxy(ns, {
    get(target, prop) {
      if (prop !== "getByName") return Reflect.get(target, prop);
      return (...args: Parameters<Env["PROJECT"]["getByName"]>) => countingStub(target.getByName(...args), tally);
    },
  });
}

export function serverTimingHeader(tally: RpcTally): string {
  return `do;dur=${tally.ms.toFixed(1)};desc="${tally.calls} rpc"`;
}

export const serverTiming = createMiddleware<AppEnv>(async (c, next) => {
  const tally: RpcTally = { calls: 0, ms: 0 };
  c.env = { ...c.env, PROJECT: countingNamespace(c.env.PROJECT, tally) };
  await next();
  c.res.headers.append("server-timing", serverTimingHeader(tally));
});
