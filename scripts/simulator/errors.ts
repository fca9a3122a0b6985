// Anthropic-style error bodies (the SDK's ErrorResponse), so the client inside Claude Code
// classifies them as it would real API errors (rate limit, overload, server error).
import { randomUUID } from "node:crypto";
import type { ErrorObject, ErrorResponse } from "@anthropic-ai/sdk/resources/shared";

type ErrorKind = ErrorObject["type"];

const ERROR_TYPES: Readonly<Record<number, ErrorKind>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

const DEFAULT_MESSAGES: Readonly<Partial<Record<ErrorKind, string>>> = {
  rate_limit_error: "Number of request tokens has exceeded your per-minute rate limit (simulated)",
  overloaded_error: "Overloaded (simulated)",
  api_error: "Internal server error (simulated)",
};

export function errorType(status: number): ErrorKind {
  return ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

export function errorBody(status: number, message?: string): ErrorResponse {
  const type = errorType(status);
  return { type: "error", error: { type, message: message ?? DEFAULT_MESSAGES[type] ?? type }, request_id: `req_sim_${randomUUID()}` };
}
