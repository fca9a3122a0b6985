// A gate in front of an HTTP server (the model simulator): while closed, requests wait; on
// open they go through unchanged. It makes a real engine run last until the test says so.
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";

export interface Gate {
  url: string;
  /** Requests that arrived (held or passed). */
  arrived(): number;
  close(): void;
  open(): void;
  stop(): Promise<void>;
}

export async function startGate(target: string): Promise<Gate> {
  const upstream = new URL(target);
  let waiting: (() => void)[] = [];
  let isOpen = true;
  let arrived = 0;
  const server = createServer((req, res) => {
    arrived += 1;
    const forward = (): void => {
      const out = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on("error", () => res.destroy());
      req.pipe(out);
    };
    if (isOpen) forward();
    else waiting.push(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrived: () => arrived,
    close: () => {
      isOpen = false;
    },
    open: () => {
      isOpen = true;
      const pending = waiting;
      waiting = [];
      for (const go of pending) go();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
