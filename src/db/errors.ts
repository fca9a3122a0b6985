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
