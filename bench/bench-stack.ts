// One whole local stack for one part of the benchmark, on its own Postgres: started here
// (not by startStack) so the WebSocket proxy's round-trip counter is at hand.
import { startDatabase } from "../scripts/db/start-database.ts";
import type { RunningDatabase } from "../scripts/db/start-database.ts";
import { startStack } from "../scripts/stack.ts";
import type { Stack } from "../scripts/stack.ts";

export interface BenchStack {
  stack: Stack;
  db: RunningDatabase;
}

export async function withBenchStack<T>(
  options: { vars: Record<string, string>; latencyScale: number; seed: number },
  work: (s: BenchStack) => Promise<T>,
): Promise<T> {
  const db = await startDatabase({ auth: "password" });
  try {
    const stack = await startStack({ databaseUrl: db.url, vars: { NEON_LOCAL_WS_PROXY: db.wsProxy, ...options.vars }, latencyScale: options.latencyScale, seed: options.seed });
    try {
      return await work({ stack, db });
    } finally {
      await stack.stop();
    }
  } finally {
    await db.stop();
  }
}

/** Waits until the Worker's Postgres connections are closed and the counters stand still. */
export async function settle(db: RunningDatabase, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = JSON.stringify(db.roundTrips());
  for (;;) {
    await new Promise((r) => setTimeout(r, 150));
    const now = JSON.stringify(db.roundTrips());
    if (db.wsProxyConnections() === 0 && now === last) return;
    if (Date.now() > deadline) return;
    last = now;
  }
}
