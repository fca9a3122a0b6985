// Who is signed in. Tokens live in sessionStorage (this tab only, gone when it closes):
// never in a URL, never logged. A user token opens projects and their savings; the admin
// token opens the savings of every project.
import { cleanToken } from "../lib/token.ts";

export interface UserAuth {
  token: string;
  userId: string;
  expiresAt: number | null;
}

export interface Auth {
  user: UserAuth | null;
  admin: { token: string } | null;
}

const KEY = "session-chain.auth";
export const SIGNED_OUT: Auth = { user: null, admin: null };

function isAuth(value: unknown): value is Auth {
  if (typeof value !== "object" || value === null) return false;
  const { user, admin } = value as { user?: unknown; admin?: unknown };
  const userOk = user === null || (typeof user === "object" && user !== null && typeof (user as UserAuth).token === "string" && typeof (user as UserAuth).userId === "string");
  const adminOk = admin === null || (typeof admin === "object" && admin !== null && typeof (admin as { token: unknown }).token === "string");
  return userOk && adminOk;
}

export function loadAuth(storage: Storage = sessionStorage): Auth {
  try {
    const value: unknown = JSON.parse(storage.getItem(KEY) ?? "null");
    return isAuth(value) ? value : SIGNED_OUT;
  } catch {
    return SIGNED_OUT;
  }
}

export function saveAuth(auth: Auth, storage: Storage = sessionStorage): void {
  if (auth.user === null && auth.admin === null) storage.removeItem(KEY);
  else storage.setItem(KEY, JSON.stringify(auth));
}

/** Checks a token against the server before keeping it: 200 means it works. */
export async function verifyToken(kind: "user" | "admin", raw: string, fetchImpl: typeof fetch = fetch): Promise<{ ok: true } | { ok: false; message: string }> {
  const token = cleanToken(raw);
  const path = kind === "user" ? "/v1/projects?limit=1" : "/v1/metrics/updates?limit=1";
  try {
    const res = await fetchImpl(path, { headers: { authorization: `Bearer ${token}` } });
    if (res.ok && kind === "admin") {
      // A user token passes this route too, for its own projects only.
      const body: unknown = await res.json().catch(() => null);
      const scope = typeof body === "object" && body !== null ? (body as { scope?: unknown }).scope : undefined;
      return scope === "all" ? { ok: true } : { ok: false, message: "This is a user token, not the admin token." };
    }
    if (res.ok) return { ok: true };
    if (res.status === 401) return { ok: false, message: kind === "user" ? "The server refused this token: it is invalid, expired, or signed with another secret." : "The server refused this token: it is neither a valid user token nor the admin token." };
    return { ok: false, message: `The server could not check the token right now (${res.status}). Try again.` };
  } catch {
    return { ok: false, message: "The server could not be reached. Check your connection and try again." };
  }
}

/** Trades the single-use code of a dev sign-in link (from `npm run dev`) for a token. */
export async function exchangeDevCode(code: string, fetchImpl: typeof fetch = fetch): Promise<{ ok: true; user: UserAuth } | { ok: false; message: string }> {
  try {
    const res = await fetchImpl("/v1/dev/signin", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code }) });
    const body: unknown = await res.json().catch(() => null);
    if (res.ok && typeof body === "object" && body !== null) {
      const { token, userId, expiresAt } = body as { token?: unknown; userId?: unknown; expiresAt?: unknown };
      if (typeof token === "string" && typeof userId === "string") {
        return { ok: true, user: { token, userId, expiresAt: typeof expiresAt === "string" ? Date.parse(expiresAt) : null } };
      }
    }
    const message = typeof body === "object" && body !== null && "error" in body ? String((body as { error: { message?: unknown } }).error.message ?? "") : "";
    return { ok: false, message: message !== "" ? message : "This sign-in link did not work. Paste a token instead." };
  } catch {
    return { ok: false, message: "The server could not be reached. Check your connection and try again." };
  }
}
