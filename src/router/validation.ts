import type { Hook, z } from "@hono/zod-openapi";
import type { AppEnv } from "./context.ts";
import { HttpError } from "./errors.ts";

/** zod issues as one readable 400: "prompt: prompt must not be empty". */
export function invalidInput(error: z.ZodError): HttpError {
  const message = error.issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      return path === "" || issue.message.startsWith(path) ? issue.message : `${path}: ${issue.message}`;
    })
    .join("; ");
  return new HttpError(400, "bad_request", message);
}

export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) throw invalidInput(result.error);
};
