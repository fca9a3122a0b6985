import type { StreamConfig } from "../config.ts";
import type { StreamLimiter } from "./limiter.ts";

/** A stream's lease lapses this long after its last renewal (an isolate that died). */
const LEASE_TTL_MS = 60_000;
/** Renewed well inside the TTL. */
const RENEW_EVERY_MS = 20_000;

export interface StreamLease {
  /** Renews when due; false when the lease lapsed and the stream should end. */
  keepAlive(): Promise<boolean>;
  release(): Promise<void>;
}

function limiter(env: Env, userId: string): DurableObjectStub<StreamLimiter> {
  return env.STREAM_LIMITER.getByName(`user:${userId}`);
}

/** One of the user's stream slots, or null when SSE_MAX_STREAMS_PER_USER are open. */
export async function openStreamLease(env: Env, userId: string, config: StreamConfig): Promise<StreamLease | null> {
  const stub = limiter(env, userId);
  const id = crypto.randomUUID();
  if (!(await stub.acquire(id, config.maxPerUser, LEASE_TTL_MS))) return null;
  let renewedAt = Date.now();
  return {
    async keepAlive() {
      if (Date.now() - renewedAt < RENEW_EVERY_MS) return true;
      renewedAt = Date.now();
      return stub.renew(id, LEASE_TTL_MS);
    },
    async release() {
      // If this fails, the lease lapses after LEASE_TTL_MS.
      await stub.release(id).catch((err: unknown) => console.warn("stream lease release failed", err));
    },
  };
}
