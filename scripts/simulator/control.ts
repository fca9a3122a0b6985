// Control and inspection endpoints under /__sim/ (dev and tests only).
import type { ServerResponse } from "node:http";
import type { PromptCache } from "./cache.ts";
import { parseFault } from "./faults.ts";
import type { FaultQueue } from "./faults.ts";
import { parseJson, sendError, sendJson } from "./http.ts";
import type { LatencyConfig } from "./latency.ts";
import type { RequestLog } from "./log.ts";
import { BadRequest, isRecord } from "./request.ts";

export interface ControlDeps {
  seed: number;
  latency: LatencyConfig;
  cache: PromptCache;
  faults: FaultQueue;
  log: RequestLog;
  clock: { offsetMs: number };
}

function noContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

/** Handles one /__sim/ request; returns false when the route is unknown. */
export function handleControl(method: string, path: string, body: string, res: ServerResponse, deps: ControlDeps): boolean {
  const route = `${method} ${path}`;
  try {
    switch (route) {
      case "GET /__sim/health":
        sendJson(res, 200, { ok: true, seed: deps.seed, latency: deps.latency, cacheEntries: deps.cache.size, clockOffsetMs: deps.clock.offsetMs });
        return true;
      case "GET /__sim/requests":
        sendJson(res, 200, { requests: deps.log.list() });
        return true;
      case "DELETE /__sim/requests":
        deps.log.clear();
        noContent(res);
        return true;
      case "GET /__sim/faults":
        sendJson(res, 200, { faults: deps.faults.list() });
        return true;
      case "POST /__sim/faults": {
        const fault = parseFault(parseJson(body));
        deps.faults.add(fault);
        sendJson(res, 201, { fault });
        return true;
      }
      case "DELETE /__sim/faults":
        deps.faults.clear();
        noContent(res);
        return true;
      case "DELETE /__sim/cache":
        deps.cache.clear();
        noContent(res);
        return true;
      case "POST /__sim/clock": {
        // Moves the cache clock forward, e.g. past a 5-minute TTL, without waiting.
        const parsed = parseJson(body);
        const advance = isRecord(parsed) ? parsed["advanceMs"] : undefined;
        if (typeof advance !== "number" || !Number.isFinite(advance) || advance < 0) throw new BadRequest("advanceMs: must be a non-negative number");
        deps.clock.offsetMs += advance;
        sendJson(res, 200, { offsetMs: deps.clock.offsetMs });
        return true;
      }
      default:
        return false;
    }
  } catch (error) {
    sendError(res, 400, error instanceof BadRequest ? error.message : "invalid JSON body");
    return true;
  }
}
