import { Hono } from "hono";
import { SignJWT } from "jose";
import { z } from "@hono/zod-openapi";
import { checkSigninCode } from "../dev/signin-code.ts";
import type { AppEnv } from "./context.ts";
import { HttpError } from "./errors.ts";
import { invalidInput } from "./validation.ts";

/** Tokens handed out by dev sign-in last a working day. */
const TOKEN_TTL_SECONDS = 12 * 3600;

const Body = z.object({ code: z.string({ error: "code is required" }).min(1, "code is required").max(1000, "code is too long") });

// Codes already exchanged, until they expire. Per isolate: wrangler dev runs one, which is
// the only place this route exists (DEV_SIGNIN = "true").
const used = new Map<string, number>();

function takeOnce(nonce: string, expiresAt: number, now: number): boolean {
  for (const [key, until] of used) if (until <= now) used.delete(key);
  if (used.has(nonce)) return false;
  used.set(nonce, expiresAt);
  return true;
}

// Dev only: trades a sign-in code printed by `npm run dev` for a bearer token, so the
// printed link never carries a token. Production leaves DEV_SIGNIN empty: no such route.
export const devSignin = new Hono<AppEnv>();

devSignin.post("/v1/dev/signin", async (c) => {
  if (c.env.DEV_SIGNIN !== "true") throw new HttpError(404, "not_found", "no such route");
  const parsed = Body.safeParse(await c.req.json().catch(() => undefined));
  if (!parsed.success) throw invalidInput(parsed.error);
  const now = Date.now();
  const check = await checkSigninCode(c.env.AUTH_SECRET, parsed.data.code, now);
  if (!check.ok || !takeOnce(check.nonce, check.expiresAt, now)) {
    const why = check.ok ? "this sign-in link was already used" : check.reason === "expired" ? "this sign-in link has expired" : "this sign-in link is not valid";
    throw new HttpError(401, "unauthorized", `${why}; get a new one with npm run signin-link`);
  }
  const expiresAt = Math.floor(now / 1000) + TOKEN_TTL_SECONDS;
  const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(check.userId).setIssuedAt().setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(c.env.AUTH_SECRET));
  c.header("cache-control", "no-store");
  return c.json({ token, userId: check.userId, expiresAt: new Date(expiresAt * 1000).toISOString() }, 200);
});
