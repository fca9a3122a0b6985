import { createMiddleware } from "hono/factory";
import { errors, jwtVerify } from "jose";
import type { JWTVerifyOptions } from "jose";
import { num } from "../config.ts";
import type { AppEnv } from "./context.ts";
import { HttpError } from "./errors.ts";

/** Clock skew tolerated between the token issuer and us, in seconds. */
const CLOCK_TOLERANCE_S = 60;

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

function verifyOptions(env: Env): JWTVerifyOptions {
  const audience = env.AUTH_AUDIENCE.trim();
  const issuer = env.AUTH_ISSUER.trim();
  return {
    algorithms: ["HS256"],
    requiredClaims: ["sub", "exp", "iat"],
    clockTolerance: CLOCK_TOLERANCE_S,
    ...(audience !== "" ? { audience } : {}),
    ...(issuer !== "" ? { issuer } : {}),
  };
}

// Bearer JWT, HS256 with AUTH_SECRET; the user id is `sub`; `exp` and `iat` are required,
// `aud`/`iss` must match AUTH_AUDIENCE/AUTH_ISSUER when those are set, and a token may not
// live longer than AUTH_MAX_TOKEN_LIFETIME_SECONDS (a leaked token expires in bounded time).
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (token === null) throw new HttpError(401, "unauthorized", "missing bearer token");
  const maxLifetime = num(c.env.AUTH_MAX_TOKEN_LIFETIME_SECONDS, "AUTH_MAX_TOKEN_LIFETIME_SECONDS", 1);
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(c.env.AUTH_SECRET), verifyOptions(c.env));
    if (typeof payload.sub !== "string" || payload.sub === "") throw new HttpError(401, "unauthorized", "token has no subject");
    const { iat, exp } = payload;
    if (iat === undefined || exp === undefined) throw new HttpError(401, "unauthorized", "invalid token");
    // An iat in the future would stretch the lifetime rule; the skew tolerance covers rounding.
    if (iat > Date.now() / 1000 + CLOCK_TOLERANCE_S) throw new HttpError(401, "unauthorized", "token issued in the future");
    if (exp - iat > maxLifetime + CLOCK_TOLERANCE_S) throw new HttpError(401, "unauthorized", `token lifetime exceeds ${maxLifetime} seconds`);
    c.set("userId", payload.sub);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    if (err instanceof errors.JWTExpired) throw new HttpError(401, "unauthorized", "token expired");
    if (err instanceof errors.JWTClaimValidationFailed) throw new HttpError(401, "unauthorized", `invalid token: ${err.claim} claim not accepted`);
    throw new HttpError(401, "unauthorized", "invalid token");
  }
  await next();
});
