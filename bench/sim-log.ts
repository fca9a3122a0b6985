// The simulator's request log (docs/simulator.md): every model call of an update with its
// usage (cache writes split by TTL), its session id and its modelled (unscaled) duration.
// Cleared before each update, read after it.
import type { RequestLogEntry } from "../scripts/simulator/server.ts";

export type ModelCall = RequestLogEntry;

export async function clearLog(simulatorUrl: string): Promise<void> {
  const res = await fetch(`${simulatorUrl}/__sim/requests`, { method: "DELETE" });
  if (!res.ok) throw new Error(`simulator log: ${res.status}`);
}

/** The successful calls since the last clear (a failed call is neither billed nor cached). */
export async function readLog(simulatorUrl: string): Promise<ModelCall[]> {
  const res = await fetch(`${simulatorUrl}/__sim/requests`);
  if (!res.ok) throw new Error(`simulator log: ${res.status}`);
  const body = (await res.json()) as { requests: ModelCall[] };
  return body.requests.filter((r) => r.status === 200);
}
