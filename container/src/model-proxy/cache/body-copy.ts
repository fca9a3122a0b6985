// A copy of a request body as it streams upstream, for the prefix fingerprints. The body is
// never held back: forward() pipes it as it arrives; this only listens to the same chunks.
import type { IncomingMessage } from "node:http";
import { printRequest } from "./prefix.ts";
import type { RequestPrint } from "./prefix.ts";

/** Bodies larger than this are forwarded but not fingerprinted (the call then counts as unknown). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Resolves with the request's fingerprints once its body has arrived; null if none. */
export function printOf(req: IncomingMessage): Promise<RequestPrint | null> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  return new Promise((resolve) => {
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("error", () => resolve(null));
    req.on("end", () => {
      if (bytes > MAX_BODY_BYTES) return resolve(null);
      try {
        resolve(printRequest(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
      } catch {
        resolve(null);
      }
    });
  });
}
