import type { Hook } from "@hono/zod-openapi";
import type { AppEnv } from "./context.ts";
import { HttpError } from "./errors.ts";

// zod issues become one readable 400 message: "prompt: prompt must not be empty".
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (result.success) return;
  const message = result.error.issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      return path === "" || issue.message.startsWith(path) ? issue.message : `${path}: ${issue.message}`;
    })
    .join("; ");
  throw new HttpError(400, "bad_request", message);
};
