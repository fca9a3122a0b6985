import type { DomainError } from "../domain/result.ts";

export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "not_found"
  | "idempotency_conflict"
  | "conflict"
  | "gone"
  | "payload_too_large"
  | "too_many_requests"
  | "unavailable"
  | "internal";

// An error meant for the client: its message is public. Anything else that reaches
// app.onError becomes a generic 500 and its details go to the log only.
export class HttpError extends Error {
  readonly status: 400 | 401 | 404 | 409 | 410 | 413 | 429 | 500 | 503;
  readonly code: ErrorCode;
  constructor(status: HttpError["status"], code: ErrorCode, message: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
  }

  toResponse(): Response {
    return Response.json({ error: { code: this.code, message: this.message } }, { status: this.status });
  }
}

/** Every expected failure from the DO has a mapping: a new kind fails to compile here. */
export function fromDomain(error: DomainError): HttpError {
  switch (error.kind) {
    case "not_found":
      return new HttpError(404, "not_found", error.message);
    case "idempotency_conflict":
      return new HttpError(409, "idempotency_conflict", error.message);
    case "invalid":
      return new HttpError(400, "bad_request", error.message);
    case "conflict":
      return new HttpError(409, "conflict", error.message);
    case "gone":
      return new HttpError(410, "gone", error.message);
    case "unavailable":
      return new HttpError(503, "unavailable", error.message);
  }
}
