// The only place that touches `neonConfig`. Production leaves Neon's defaults
// (wss to the Neon proxy, pipelined cleartext-password connect). Dev and tests
// point the driver at scripts/db/ws-proxy.ts, which forwards to a local Postgres:
//   NEON_LOCAL_WS_PROXY=127.0.0.1:PORT
// `neonConfig` is global to the isolate: this runs before the first Pool/Client.
import { neonConfig } from "@neondatabase/serverless";

let configuredProxy: string | undefined;

/**
 * Routes the Neon driver through a local WebSocket proxy when `proxy` is given
 * ("127.0.0.1:PORT", scheme and trailing slash tolerated); a no-op when it is
 * undefined or empty. Idempotent; a different proxy replaces the previous one.
 */
export function configureLocalNeon(proxy: string | undefined): void {
  if (proxy === undefined || proxy.trim() === "") return;
  const address = proxy.trim().replace(/^wss?:\/\//, "").replace(/\/+$/, "");
  if (address === configuredProxy) return;
  const first = configuredProxy === undefined;
  configuredProxy = address;
  if (!first) return; // the wsProxy function below reads the new address
  neonConfig.wsProxy = (host, port) => `${configuredProxy ?? address}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  // Pipelining assumes cleartext password auth; local Postgres uses SCRAM
  // ("invalid SASL authentication mechanism" otherwise), PGlite uses trust.
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
}

/** The proxy address in force, if any (for diagnostics and tests). */
export function localNeonProxy(): string | undefined {
  return configuredProxy;
}
