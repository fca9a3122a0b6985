// The Messages API routes the engine uses, and nothing else: the proxy's run tokens buy
// model calls, not the rest of what the real credential may do (files, batches, admin).

export interface AllowedRoute {
  /** The normalised path to forward (the query string is added by the caller). */
  path: string;
  /** Whether the answer is a model message whose usage counts. */
  metered: boolean;
}

const MODEL_ID = /^\/v1\/models\/[A-Za-z0-9._:@-]{1,200}$/;

/** `pathname` must come from a parsed URL (dot segments already resolved). */
export function allowedRoute(method: string, pathname: string): AllowedRoute | null {
  if (method === "POST" && pathname === "/v1/messages") return { path: pathname, metered: true };
  if (method === "POST" && pathname === "/v1/messages/count_tokens") return { path: pathname, metered: false };
  if (method === "GET" && (pathname === "/v1/models" || MODEL_ID.test(pathname))) return { path: pathname, metered: false };
  return null;
}
