import { base64url } from "jose";

// What a pasted token is. A user token is a JWT whose payload names the user (`sub`); the
// admin token is an opaque secret. Read here only to label the session and to warn early
// about an expired token: the server verifies every request.
export type TokenKind =
  | { kind: "user"; userId: string; expiresAt: number | null }
  | { kind: "admin" }
  | { kind: "invalid"; reason: string };

function decodePart(part: string): unknown {
  return JSON.parse(new TextDecoder().decode(base64url.decode(part)));
}

export function classifyToken(raw: string, now: number = Date.now()): TokenKind {
  const token = raw.trim().replace(/^Bearer\s+/i, "");
  if (token === "") return { kind: "invalid", reason: "Paste a token first." };
  if (/\s/.test(token)) return { kind: "invalid", reason: "A token has no spaces or line breaks." };
  const parts = token.split(".");
  if (parts.length !== 3) return { kind: "admin" };
  let payload: unknown;
  try {
    payload = decodePart(parts[1] ?? "");
  } catch {
    return { kind: "invalid", reason: "This looks like a JWT but its payload cannot be read." };
  }
  if (typeof payload !== "object" || payload === null) return { kind: "invalid", reason: "This JWT has no claims." };
  const { sub, exp } = payload as { sub?: unknown; exp?: unknown };
  if (typeof sub !== "string" || sub === "") return { kind: "invalid", reason: "This JWT names no user (no sub claim)." };
  const expiresAt = typeof exp === "number" ? exp * 1000 : null;
  if (expiresAt !== null && expiresAt <= now) return { kind: "invalid", reason: "This token has expired. Get a new one (npm run token -- <user>)." };
  return { kind: "user", userId: sub, expiresAt };
}

/** The token without a pasted "Bearer " prefix or surrounding whitespace. */
export function cleanToken(raw: string): string {
  return raw.trim().replace(/^Bearer\s+/i, "");
}
