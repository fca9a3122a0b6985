// One whole local stack for one chain (or the edge part), on its own Postgres and its own
// data directory, so chains can run side by side: started here (not by startStack's own
// database) so the WebSocket proxy's round-trip counter is at hand.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDatabase } from "../scripts/db/start-database.ts";
import type { RunningDatabase } from "../scripts/db/start-database.ts";
import { startStack } from "../scripts/stack.ts";
import type { Stack } from "../scripts/stack.ts";

export interface BenchStack {
  stack: Stack;
  db: RunningDatabase;
}

/**
 * wrangler dev picks its internal ports (inspector, workerd sockets) when it starts; a
 * stack starting at the same time, or any other process on the machine, may take one
 * first. Such a start is tried again.
 */
async function withRetry<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= attempts || !String(err).includes("Address already in use")) throw err;
    }
  }
}

export async function withBenchStack<T>(
  options: { vars: Record<string, string>; latencyScale: number; seed: number; runnerEnv?: Record<string, string> },
  work: (s: BenchStack) => Promise<T>,
): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), "session-chain-bench-"));
  try {
    const db = await startDatabase({ auth: "password" });
    try {
      const stack = await withRetry(() => startStack({ dataDir, databaseUrl: db.url, vars: { NEON_LOCAL_WS_PROXY: db.wsProxy, ...options.vars }, latencyScale: options.latencyScale, seed: options.seed, runnerEnv: options.runnerEnv ?? {} }));
      try {
        return await work({ stack, db });
      } finally {
        await stack.stop();
      }
    } finally {
      await db.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
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
