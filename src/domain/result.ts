// Expected failures cross the Durable Object boundary as values (custom error
// properties do not survive RPC). The router maps each kind to HTTP exhaustively.
export type DomainError =
  | { kind: "not_found"; message: string }
  | { kind: "idempotency_conflict"; message: string }
  | { kind: "invalid"; message: string }
  /** The request contradicts the resource's state (a failed version, a name in use). */
  | { kind: "conflict"; message: string }
  /** It existed and is gone for good (a version retention pruned). */
  | { kind: "gone"; message: string }
  | { kind: "unavailable"; message: string };

export type Result<T> = { ok: true; value: T } | { ok: false; error: DomainError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(kind: DomainError["kind"], message: string): Result<T> {
  return { ok: false, error: { kind, message } };
}
