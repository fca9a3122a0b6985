// Writes protocol events as NDJSON, one JSON object per line, flushed as they happen.
import type { ServerResponse } from "node:http";
import type { RunEvent } from "./protocol.ts";

export class NdjsonStream {
  private readonly res: ServerResponse;
  private ended = false;

  constructor(res: ServerResponse) {
    this.res = res;
    res.writeHead(200, {
      "content-type": "application/x-ndjson",
      "cache-control": "no-store",
      // Proxies must not buffer progress events.
      "x-accel-buffering": "no",
    });
    res.flushHeaders();
  }

  write(event: RunEvent): void {
    if (this.ended || this.res.destroyed) return;
    this.res.write(`${JSON.stringify(event)}\n`);
  }

  end(finalEvent: RunEvent): void {
    if (this.ended) return;
    this.write(finalEvent);
    this.ended = true;
    if (!this.res.destroyed) this.res.end();
  }
}
