// Postgres access for the Worker and the Durable Object: drizzle over the Neon
// serverless driver's Pool (WebSocket). Workers rule: a Pool is created, used and
// closed within one request or one unit of DO work; never cache it globally.
import { Pool } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import type { NeonDatabase } from "drizzle-orm/neon-serverless";
import { configureLocalNeon } from "./local.ts";
import * as schema from "./schema.ts";

export type DbSchema = typeof schema;
export type Db = NeonDatabase<DbSchema>;

/** The part of the Worker env this module needs. */
export interface DbEnv {
  DATABASE_URL: string;
  /** Dev/tests only: "127.0.0.1:PORT" of scripts/db/ws-proxy.ts. */
  NEON_LOCAL_WS_PROXY?: string | undefined;
}

export interface OpenDb {
  db: Db;
  close(): Promise<void>;
}

export function openDb(env: DbEnv): OpenDb {
  configureLocalNeon(env.NEON_LOCAL_WS_PROXY);
  const pool = new Pool({ connectionString: env.DATABASE_URL });
  // An idle client losing its connection must not become an unhandled error.
  pool.on("error", (error: Error) => console.error("postgres pool error", error.message));
  const db = drizzle({ client: pool, schema });
  let closed = false;
  return {
    db,
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** Opens a Pool, runs `work`, and always closes the Pool. */
export async function withDb<T>(env: DbEnv, work: (db: Db) => Promise<T>): Promise<T> {
  const { db, close } = openDb(env);
  try {
    return await work(db);
  } finally {
    await close();
  }
}
