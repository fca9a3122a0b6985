// Anthropic-style error bodies, so the SDK inside Claude Code classifies them as it would
// real API errors (rate limit, overload, server error).
import { randomUUID } from "node:crypto";

const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

const DEFAULT_MESSAGES: Readonly<Record<string, string>> = {
  rate_limit_error: "Number of request tokens has exceeded your per-minute rate limit (simulated)",
  overloaded_error: "Overloaded (simulated)",
  api_error: "Internal server error (simulated)",
};

export function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

export interface ErrorBody {
  type: "error";
  error: { type: string; message: string };
  request_id: string;
}

export function errorBody(status: number, message?: string): ErrorBody {
  const type = errorType(status);
  return { type: "error", error: { type, message: message ?? DEFAULT_MESSAGES[type] ?? type }, request_id: `req_sim_${randomUUID()}` };
}
