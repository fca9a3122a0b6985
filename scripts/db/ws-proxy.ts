// WebSocket → TCP proxy for the Neon serverless driver against a local Postgres.
// The driver, configured by src/db/local.ts, opens
//   ws://127.0.0.1:PROXY_PORT/v1?address=HOST:PORT
// and speaks the Postgres wire protocol in binary frames; this proxy pipes those
// bytes to HOST:PORT (loopback only) and back.
//
// Closing rules (both needed for clean workerd/vitest runs):
// - when Postgres closes TCP, terminate() the WebSocket (a close handshake left
//   pending makes workerd report "Network connection lost");
// - when the client sends the Terminate message ('X'), end the TCP side.
import { createServer } from "node:http";
import type { IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import { connect, isIPv4 } from "node:net";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { RawData, WebSocket } from "ws";

// The ESM entry of `ws` resolves to its browser stub under vitest: load the CJS build.
const ws = createRequire(import.meta.url)("ws") as Pick<typeof import("ws"), "WebSocket" | "WebSocketServer">;

export interface StartWsProxyOptions {
  /** Port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** Only this target ("host:port") may be reached; any loopback target when omitted. */
  allowedTarget?: string;
}

export interface RunningWsProxy {
  port: number;
  /** "127.0.0.1:PORT", the value for NEON_LOCAL_WS_PROXY. */
  address: string;
  /** Live WebSocket↔TCP pairs (for tests and diagnostics). */
  openConnections(): number;
  /** Connections and query round trips since start (the benchmark counts them per update). */
  roundTrips(): RoundTrips;
  stop(): Promise<void>;
}

/**
 * Client → server messages after which the client waits for the server, as the proxy saw
 * them: `handshakes` are the startup message and each password/SASL message ('p') of a
 * connection; `queries` are Query ('Q', simple protocol) and Sync ('S', the end of an
 * extended-protocol batch: one round trip however many Parse/Bind/Execute precede it).
 */
export interface RoundTrips {
  connections: number;
  handshakes: number;
  queries: number;
}

export interface Target {
  host: string;
  port: number;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const TERMINATE = 0x58; // 'X'
const QUERY = 0x51; // 'Q'
const SYNC = 0x53; // 'S'
const PASSWORD = 0x70; // 'p': password, SASLInitialResponse, SASLResponse

/** Parses "host:port" (IPv6 in brackets or bare); maps localhost to 127.0.0.1. */
export function parseTarget(address: string): Target | null {
  const colon = address.lastIndexOf(":");
  if (colon <= 0) return null;
  let host = address.slice(0, colon);
  const portText = address.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > 65535) return null;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  host = host.toLowerCase();
  if (host === "localhost") host = "127.0.0.1";
  return { host, port };
}

export function isLoopback(host: string): boolean {
  if (isIPv4(host)) return host.startsWith("127.");
  return host === "::1" || /^::ffff:127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Follows the client → server byte stream just enough to see the Terminate
 * message and count round trips (RoundTrips): untyped startup-phase messages (length, code) first, then typed
 * messages (type byte, length). After an SSL/GSS request whose answer is yes the
 * stream is encrypted and no longer followed.
 */
class FrontendScanner {
  private header: number[] = [];
  private skip = 0;
  private untyped = true;
  private opaque = false;
  awaitingNegotiationReply = false;
  /** Query and Sync messages seen so far. */
  queries = 0;
  /** Startup and password/SASL messages seen so far. */
  handshakes = 0;

  /** Returns true when `chunk` completes a Terminate message. */
  feed(chunk: Buffer): boolean {
    let terminated = false;
    let i = 0;
    while (i < chunk.length && !this.opaque) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const need = this.untyped ? 8 : 5;
      while (this.header.length < need && i < chunk.length) this.header.push(chunk[i++] ?? 0);
      if (this.header.length < need) break;
      const h = Buffer.from(this.header);
      this.header = [];
      if (this.untyped) {
        const length = h.readInt32BE(0);
        const code = h.readInt32BE(4);
        this.skip = Math.max(0, length - 8);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) this.awaitingNegotiationReply = true;
        else {
          this.untyped = false;
          this.handshakes++;
        }
      } else {
        const length = h.readInt32BE(1);
        this.skip = Math.max(0, length - 4);
        if (h[0] === TERMINATE && length === 4) terminated = true;
        if (h[0] === QUERY || (h[0] === SYNC && length === 4)) this.queries++;
        if (h[0] === PASSWORD) this.handshakes++;
      }
    }
    return terminated;
  }

  /** The server's one-byte answer to an SSL/GSS request. */
  negotiationReply(byte: number): void {
    this.awaitingNegotiationReply = false;
    if (byte !== 0x4e /* 'N' */) this.opaque = true;
  }
}

function reject(socket: Duplex, status: number, message: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${message}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
    () => socket.destroy(),
  );
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export async function startWsProxy(options: StartWsProxyOptions = {}): Promise<RunningWsProxy> {
  const allowed = options.allowedTarget === undefined ? null : parseTarget(options.allowedTarget);
  if (options.allowedTarget !== undefined && (allowed === null || !isLoopback(allowed.host))) {
    throw new Error(`allowedTarget must be a loopback host:port, got ${options.allowedTarget}`);
  }
  const wss = new ws.WebSocketServer({ noServer: true, perMessageDeflate: false });
  const open = new Set<{ socket: WebSocket; tcp: Socket }>();
  const traffic: RoundTrips = { connections: 0, handshakes: 0, queries: 0 };

  const bridge = (socket: WebSocket, target: Target): void => {
    const tcp = connect({ host: target.host, port: target.port });
    tcp.setNoDelay(true);
    const pair = { socket, tcp };
    open.add(pair);
    const scanner = new FrontendScanner();
    traffic.connections++;

    socket.on("message", (data: RawData) => {
      const chunk = toBuffer(data);
      const before = { queries: scanner.queries, handshakes: scanner.handshakes };
      const terminated = scanner.feed(chunk);
      traffic.queries += scanner.queries - before.queries;
      traffic.handshakes += scanner.handshakes - before.handshakes;
      if (tcp.writable) tcp.write(chunk);
      if (terminated) tcp.end();
    });
    socket.on("close", () => {
      open.delete(pair);
      tcp.destroy();
    });
    socket.on("error", () => tcp.destroy());

    tcp.on("data", (chunk: Buffer) => {
      if (scanner.awaitingNegotiationReply && chunk.length > 0) scanner.negotiationReply(chunk[0] ?? 0);
      if (socket.readyState === ws.WebSocket.OPEN) socket.send(chunk, { binary: true });
    });
    tcp.on("error", () => {
      // ECONNREFUSED or a reset: the close handler below ends the WebSocket.
    });
    tcp.on("close", () => {
      open.delete(pair);
      socket.terminate();
    });
  };

  const server = createServer((_req, res) => {
    res.writeHead(426, { "Content-Type": "text/plain" });
    res.end("WebSocket upgrade required: /v1?address=host:port\n");
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/v1") return reject(socket, 404, "Not Found");
    const target = parseTarget(url.searchParams.get("address") ?? "");
    if (target === null) return reject(socket, 400, "Bad Request: address=host:port required");
    if (!isLoopback(target.host)) return reject(socket, 403, "Forbidden: loopback targets only");
    if (allowed !== null && (allowed.host !== target.host || allowed.port !== target.port)) {
      return reject(socket, 403, "Forbidden: target not allowed");
    }
    wss.handleUpgrade(req, socket, head, (client) => bridge(client, target));
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once("error", rejectListen);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.removeListener("error", rejectListen);
      resolveListen();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;

  let stopped = false;
  return {
    port,
    address: `127.0.0.1:${port}`,
    openConnections: () => open.size,
    roundTrips: () => ({ ...traffic }),
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const { socket, tcp } of open) {
        socket.terminate();
        tcp.destroy();
      }
      open.clear();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
