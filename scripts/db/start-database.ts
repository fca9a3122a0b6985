// One call for vitest globalSetup and `npm run dev`: a Postgres reachable by the
// Neon driver. Real Postgres when its server binaries are installed (and
// preferred), else embedded PGlite; plus the WebSocket proxy; migrations applied.
import { join, resolve } from "node:path";
import { migrate } from "./migrate.ts";
import { findPgBinaries } from "./pg-binaries.ts";
import { startPglite } from "./pglite.ts";
import { startPostgres } from "./postgres.ts";
import type { PgAuthMethod } from "./postgres.ts";
import { startWsProxy } from "./ws-proxy.ts";
import type { RoundTrips } from "./ws-proxy.ts";

export type DatabaseKind = "postgres" | "pglite";

export interface StartDatabaseOptions {
  /** Default "postgres" (falls back to PGlite when the binaries are missing). */
  prefer?: DatabaseKind;
  /** Keep data across runs under this directory (`postgres/` or `pglite/` inside); temporary/in-memory when omitted. */
  persistDir?: string;
  /** Fixed ports (dev); free ones when omitted. */
  port?: number;
  wsProxyPort?: number;
  /** Real Postgres only (PGlite always trusts): see StartPostgresOptions.auth. */
  auth?: PgAuthMethod;
}

export interface RunningDatabase {
  kind: DatabaseKind;
  /** DATABASE_URL: postgres://postgres:postgres@127.0.0.1:PORT/session_chain (postgres) or …/postgres (pglite). */
  url: string;
  port: number;
  wsProxyPort: number;
  /** NEON_LOCAL_WS_PROXY: "127.0.0.1:WS_PROXY_PORT". */
  wsProxy: string;
  /** Live connections through the proxy (tests check that clients close them). */
  wsProxyConnections(): number;
  /** Connections and query round trips through the proxy since start (see ws-proxy.ts). */
  roundTrips(): RoundTrips;
  stop(): Promise<void>;
}

export async function startDatabase(options: StartDatabaseOptions = {}): Promise<RunningDatabase> {
  const binaries = (options.prefer ?? "postgres") === "postgres" ? findPgBinaries() : null;
  const persist = options.persistDir === undefined ? undefined : resolve(options.persistDir);
  const db =
    binaries !== null
      ? await startPostgres({
          binaries,
          ...(options.auth === undefined ? {} : { auth: options.auth }),
          ...(options.port === undefined ? {} : { port: options.port }),
          ...(persist === undefined ? {} : { dataDir: join(persist, "postgres") }),
        })
      : await startPglite({
          ...(options.port === undefined ? {} : { port: options.port }),
          ...(persist === undefined ? {} : { dataDir: join(persist, "pglite") }),
        });
  try {
    await migrate(db.url);
    const proxy = await startWsProxy({
      allowedTarget: `127.0.0.1:${db.port}`,
      ...(options.wsProxyPort === undefined ? {} : { port: options.wsProxyPort }),
    });
    return {
      kind: db.kind,
      url: db.url,
      port: db.port,
      wsProxyPort: proxy.port,
      wsProxy: proxy.address,
      wsProxyConnections: () => proxy.openConnections(),
      roundTrips: () => proxy.roundTrips(),
      async stop() {
        await proxy.stop();
        await db.stop();
      },
    };
  } catch (error) {
    await db.stop();
    throw error;
  }
}
