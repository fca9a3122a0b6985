import { createMiddleware } from "hono/factory";
import { errors, jwtVerify } from "jose";
import type { AppEnv } from "./context.ts";
import { HttpError } from "./errors.ts";

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

// Bearer JWT, HS256 with AUTH_SECRET; the user id is `sub`, and `exp` is required.
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (token === null) throw new HttpError(401, "unauthorized", "missing bearer token");
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(c.env.AUTH_SECRET), {
      algorithms: ["HS256"],
      requiredClaims: ["sub", "exp"],
    });
    if (typeof payload.sub !== "string" || payload.sub === "") throw new HttpError(401, "unauthorized", "token has no subject");
    c.set("userId", payload.sub);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    const expired = err instanceof errors.JWTExpired;
    throw new HttpError(401, "unauthorized", expired ? "token expired" : "invalid token");
  }
  await next();
});
