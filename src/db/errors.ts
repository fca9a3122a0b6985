// Which Postgres write failures are permanent. The Neon driver's errors (DatabaseError
// over WebSocket, NeonDbError over HTTP) carry the SQLSTATE in `code`, as node-postgres
// does; drizzle wraps them in DrizzleQueryError with the original as `cause`.

/** Thrown by a write that found nothing to act on (its row never reached Postgres). */
export class MissingRowError extends Error {
  readonly sqlState = null;
  constructor(message: string) {
    super(message);
    this.name = "MissingRowError";
  }
}

/** A write whose source row (another object's write) is not in Postgres yet. */
export class ParentRowMissingError extends Error {
  readonly sqlState = null;
  constructor(message: string) {
    super(message);
    this.name = "ParentRowMissingError";
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The SQLSTATE of a Postgres error, looking through wrappers' `cause`; null if none. */
export function sqlState(err: unknown): string | null {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const code = field(current, "code");
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = field(current, "cause");
  }
  return null;
}

/**
 * Class 22 (data exception: NUL in text, a value out of range…) and class 23 (integrity
 * constraint violation: unique, foreign key, check) fail the same way on every retry;
 * a write with nothing to act on as well. Everything else (connection, timeouts, class
 * 08/40/53/57…) may pass later.
 */
export function isPermanentWriteError(err: unknown): boolean {
  if (err instanceof MissingRowError) return true;
  const state = sqlState(err);
  return state !== null && (state.startsWith("22") || state.startsWith("23"));
}

/**
 * A refusal that can pass once a row another Durable Object writes lands: a version row
 * refused by its foreign key (23503: a branch's version before main's project row) or a
 * copy whose source row (another branch's version) is not there yet. A project's objects
 * each have their own outbox, not ordered with each other, so these wait (a bounded while)
 * instead of going to the dead letter. Any other write's parent is this object's own
 * earlier write: when it is missing it was refused for good, and waiting cannot help.
 */
export function awaitsParentRow(err: unknown, op: string): boolean {
  return (op === "copy_version_docs" && err instanceof ParentRowMissingError) || (op === "insert_version" && sqlState(err) === "23503");
}

/** Postgres's own message (never drizzle's, which quotes the parameters), shortened. */
export function pgErrorText(err: unknown): string {
  let current: unknown = err;
  let text = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (typeof field(current, "code") === "string") {
      const message = field(current, "message");
      if (typeof message === "string") text = message;
      break;
    }
    current = field(current, "cause");
  }
  return text.slice(0, 500);
}
