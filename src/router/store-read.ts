import { withDb } from "../db/client.ts";
import type { Db, DbEnv } from "../db/client.ts";
import { HttpError } from "./errors.ts";
import { ErrorBody } from "./schemas.ts";

export const unavailableResponse = { 503: { description: "The store is unavailable; try again", content: { "application/json": { schema: ErrorBody } } } } as const;

/** A read straight from Postgres for a route: a failure is a 503, its details go to the log only. */
export async function readStore<T>(env: DbEnv, what: string, work: (db: Db) => Promise<T>): Promise<T> {
  try {
    return await withDb(env, work);
  } catch (err) {
    console.error(`${what} failed`, err);
    throw new HttpError(503, "unavailable", `${what} is unavailable, try again`);
  }
}
