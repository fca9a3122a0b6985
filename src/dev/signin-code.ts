// Dev sign-in codes: what `npm run dev` prints in its sign-in link instead of a token.
// A code names a user, expires soon, and is accepted once; it is MACed with AUTH_SECRET
// under its own label, so it is never a valid JWT and no JWT can be made from it.
// Minted by scripts (Node) and checked by the Worker: WebCrypto only.
import { base64url } from "jose";

const LABEL = "session-chain dev sign-in v1\n";

async function mac(secret: string, payload: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(LABEL + payload)));
}

/** Constant time for equal lengths (a MAC's length is public); runs in Node and workerd alike. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export async function mintSigninCode(secret: string, userId: string, ttlMs: number, now: number = Date.now()): Promise<string> {
  const user = base64url.encode(userId);
  const expires = Math.floor((now + ttlMs) / 1000);
  const nonce = base64url.encode(crypto.getRandomValues(new Uint8Array(16)));
  const payload = `${user}.${expires}.${nonce}`;
  return `${payload}.${base64url.encode(await mac(secret, payload))}`;
}

export type CodeCheck = { ok: true; userId: string; nonce: string; expiresAt: number } | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

/** Checks form, MAC (constant time) and expiry; single use is the caller's job (it holds state). */
export async function checkSigninCode(secret: string, code: string, now: number = Date.now()): Promise<CodeCheck> {
  const parts = code.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return { ok: false, reason: "malformed" };
  const [user = "", expires = "", nonce = "", signature = ""] = parts;
  if (!/^\d{1,12}$/.test(expires)) return { ok: false, reason: "malformed" };
  let given: Uint8Array;
  let userId: string;
  try {
    given = base64url.decode(signature);
    userId = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(base64url.decode(user));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const expected = await mac(secret, `${user}.${expires}.${nonce}`);
  if (!sameBytes(given, expected)) return { ok: false, reason: "bad_signature" };
  const expiresAt = Number(expires) * 1000;
  if (expiresAt <= now) return { ok: false, reason: "expired" };
  if (userId === "") return { ok: false, reason: "malformed" };
  return { ok: true, userId, nonce, expiresAt };
}
