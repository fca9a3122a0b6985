import { z } from "@hono/zod-openapi";
import { base64url } from "jose";
import { HttpError } from "./errors.ts";

// One convention for every list: `?limit=&cursor=` in, `{ <items>, nextCursor }` out.
// A cursor is opaque to clients (base64url of JSON naming its list and the position after
// the last item shown); nextCursor is null on the last page.
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

export const PageQuery = z.object({
  limit: z.coerce
    .number({ error: "limit must be a number" })
    .int("limit must be a whole number")
    .min(1, "limit must be at least 1")
    .max(MAX_PAGE_SIZE, `limit must be at most ${MAX_PAGE_SIZE}`)
    .default(DEFAULT_PAGE_SIZE)
    .openapi({ param: { name: "limit", in: "query" }, description: `Page size (1–${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}).` }),
  cursor: z
    .string()
    .max(512, "cursor is not valid")
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "The previous page's nextCursor." }),
});

export const NextCursor = z.string().nullable().openapi({ description: "Pass as ?cursor= for the next page; null on the last page." });

/** The cursor for the page after `position` in the list `kind`; null when there is none. */
export function encodeCursor(kind: string, position: unknown): string | null {
  if (position === null || position === undefined) return null;
  return base64url.encode(JSON.stringify({ k: kind, p: position }));
}

/** The position a cursor of list `kind` carries; null without a cursor; 400 for a bad one. */
export function decodeCursor<T>(raw: string | undefined, kind: string, position: z.ZodType<T>): T | null {
  if (raw === undefined || raw === "") return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(base64url.decode(raw)));
    const parsed = z.object({ k: z.literal(kind), p: position }).safeParse(value);
    if (parsed.success) return parsed.data.p;
  } catch {
    // not base64 or not JSON: the same answer as a well-formed cursor of another list
  }
  throw new HttpError(400, "bad_request", "cursor is not valid for this list");
}
