// The rule for AUTH_SECRET, shared by the Worker (which refuses to serve without it) and
// `npm run dev` (which says so before starting). HS256 keys shorter than the hash output
// (32 bytes, RFC 7518 §3.2) make tokens guessable offline.
export const MIN_AUTH_SECRET_BYTES = 32;

/** Why this secret cannot be used, or null when it can. */
export function authSecretProblem(secret: string | undefined): string | null {
  const bytes = new TextEncoder().encode(secret ?? "").length;
  if (bytes >= MIN_AUTH_SECRET_BYTES) return null;
  return `AUTH_SECRET must be at least ${MIN_AUTH_SECRET_BYTES} bytes (it has ${bytes}); set a long random secret, e.g. \`openssl rand -base64 48\``;
}
