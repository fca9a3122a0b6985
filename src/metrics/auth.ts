// Static bearer tokens (ADMIN_TOKEN, METRICS_TOKEN), compared in constant time: both
// sides are hashed first, so neither the content nor the length leaks through timing.
async function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

/** False when no token is configured: an empty secret never opens anything. */
export async function tokenMatches(presented: string | null, expected: string | undefined): Promise<boolean> {
  if (presented === null || expected === undefined || expected === "") return false;
  const [a, b] = await Promise.all([digest(presented), digest(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}
