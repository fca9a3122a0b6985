// Embedded Postgres (PGlite, Postgres compiled to WASM) served over TCP with
// @electric-sql/pglite-socket: the default for `npm run dev` when no Postgres
// server binaries are installed.
//
// Quirks (checked with pglite 0.5 / pglite-socket 0.2):
// - Authentication is "trust": any user name, password and database name are
//   accepted and every connection is the `postgres` superuser on the single
//   `postgres` database. The URL therefore names user/password `postgres` so the
//   same string works for `pg` and for the Neon driver (pipelineConnect false).
// - All TCP connections share ONE backend session: queries are queued, and while
//   one connection is inside a transaction the others wait. Fine for dev and for
//   sequential tests, not for concurrency tests (use real Postgres there).
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";

export interface StartPgliteOptions {
  /** TCP port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** Persist the database in this directory (dev); in memory when omitted (tests). */
  dataDir?: string;
  /** Simultaneous TCP connections accepted (they share one session). Default 8. */
  maxConnections?: number;
}

export interface RunningPglite {
  kind: "pglite";
  /** postgres://postgres:postgres@127.0.0.1:PORT/postgres */
  url: string;
  host: "127.0.0.1";
  port: number;
  db: PGlite;
  stop(): Promise<void>;
}

export async function startPglite(options: StartPgliteOptions = {}): Promise<RunningPglite> {
  let dataDir: string | undefined;
  if (options.dataDir !== undefined) {
    dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true });
  }
  const db = await PGlite.create(dataDir === undefined ? {} : { dataDir });
  const server = new PGLiteSocketServer({
    db,
    host: "127.0.0.1",
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 8,
  });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const port = Number(server.getServerConn().split(":").at(-1));
  let stopped = false;
  return {
    kind: "pglite",
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    host: "127.0.0.1",
    port,
    db,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      // stop() detaches the connections without waiting; let their rollback run
      // before the database goes away.
      await new Promise((r) => setTimeout(r, 20));
      await db.close();
    },
  };
}
