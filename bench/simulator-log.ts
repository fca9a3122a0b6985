// The simulator's request log (docs/simulator.md): what each model call of an update cost
// and how long the modelled model took (unscaled), cleared before every update.
import type { RequestLogEntry } from "../scripts/simulator/server.ts";

export interface KindCalls {
  requests: number;
  modelMs: number;
  costUsd: number;
  outputTokens: number;
}

export interface ModelCalls {
  requests: number;
  /** Modelled model time (time to first token + output), unscaled, summed. */
  modelMs: number;
  costUsd: number;
  /** The model id Claude Code asked for (priced by that name). */
  model: string | null;
  /** Split by request kind: "turn" (the update's own work), "metadata", "compaction", "other". */
  byKind: Record<string, KindCalls>;
}

export async function clearLog(simulatorUrl: string): Promise<void> {
  await fetch(`${simulatorUrl}/__sim/requests`, { method: "DELETE" });
}

export async function readLog(simulatorUrl: string): Promise<ModelCalls> {
  const body = (await (await fetch(`${simulatorUrl}/__sim/requests`)).json()) as { requests: RequestLogEntry[] };
  const ok = body.requests.filter((r) => r.status === 200);
  const byKind: Record<string, KindCalls> = {};
  for (const r of ok) {
    const k = (byKind[r.kind ?? "unknown"] ??= { requests: 0, modelMs: 0, costUsd: 0, outputTokens: 0 });
    k.requests += 1;
    k.modelMs += r.durationMs;
    k.costUsd += r.costUsd;
    k.outputTokens += r.usage?.output_tokens ?? 0;
  }
  return {
    requests: ok.length,
    modelMs: ok.reduce((s, r) => s + r.durationMs, 0),
    costUsd: ok.reduce((s, r) => s + r.costUsd, 0),
    model: ok.find((r) => r.model !== null)?.model ?? null,
    byKind,
  };
}

/** Moves the simulator's cache clock: user think time between updates, without waiting. */
export async function advanceClock(simulatorUrl: string, ms: number): Promise<void> {
  if (ms <= 0) return;
  const res = await fetch(`${simulatorUrl}/__sim/clock`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ advanceMs: ms }) });
  if (!res.ok) throw new Error(`simulator clock: ${res.status}`);
}
