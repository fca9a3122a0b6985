// The WebSocket → TCP proxy the Neon driver uses locally, against small TCP
// servers on loopback that stand in for Postgres.
import { once } from "node:events";
import type { ClientRequest, IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isLoopback, parseTarget, startWsProxy } from "../../scripts/db/ws-proxy.ts";
import type { RunningWsProxy } from "../../scripts/db/ws-proxy.ts";

const ws = createRequire(import.meta.url)("ws") as Pick<typeof import("ws"), "WebSocket">;

interface FakePostgres {
  port: number;
  received: Buffer[];
  /** Resolves when the proxy ends its TCP side. */
  ended: Promise<void>;
  sockets: Socket[];
  server: Server;
}

async function fakePostgres(onData?: (socket: Socket, chunk: Buffer) => void): Promise<FakePostgres> {
  const received: Buffer[] = [];
  const sockets: Socket[] = [];
  let markEnded: () => void = () => {};
  const ended = new Promise<void>((r) => (markEnded = r));
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on("data", (chunk) => {
      received.push(chunk);
      onData?.(socket, chunk);
    });
    socket.on("end", () => {
      markEnded();
      socket.end();
    });
    socket.on("error", () => {});
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { port, received, ended, sockets, server };
}

function startupMessage(): Buffer {
  const params = Buffer.from("user\0postgres\0database\0postgres\0\0");
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + params.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, params]);
}

function typed(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function upgradeStatus(url: string): Promise<number> {
  const client = new ws.WebSocket(url);
  client.on("error", () => {});
  const [request, response] = (await once(client, "unexpected-response")) as [ClientRequest, IncomingMessage];
  response.resume();
  request.destroy();
  return response.statusCode ?? 0;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(onData?: (socket: Socket, chunk: Buffer) => void): Promise<{ pg: FakePostgres; proxy: RunningWsProxy }> {
  const pg = await fakePostgres(onData);
  cleanups.push(() => new Promise<void>((r) => pg.server.close(() => r())));
  cleanups.push(async () => pg.sockets.forEach((s) => s.destroy()));
  const proxy = await startWsProxy();
  cleanups.push(() => proxy.stop());
  return { pg, proxy };
}

describe("ws-proxy", () => {
  it("parses targets and recognises loopback only", () => {
    expect(parseTarget("127.0.0.1:5432")).toEqual({ host: "127.0.0.1", port: 5432 });
    expect(parseTarget("localhost:5432")).toEqual({ host: "127.0.0.1", port: 5432 });
    expect(parseTarget("[::1]:5432")).toEqual({ host: "::1", port: 5432 });
    expect(parseTarget("127.0.0.1")).toBeNull();
    expect(parseTarget("127.0.0.1:99999")).toBeNull();
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback("::1")).toBe(true);
    expect(isLoopback("db.example.invalid")).toBe(false);
    expect(isLoopback("128.0.0.1")).toBe(false);
  });

  it("refuses wrong paths, bad addresses and non-loopback or non-allowed targets before connecting", async () => {
    const { pg, proxy } = await setup();
    const base = `ws://127.0.0.1:${proxy.port}`;
    expect(await upgradeStatus(`${base}/v2?address=127.0.0.1:${pg.port}`)).toBe(404);
    expect(await upgradeStatus(`${base}/v1?address=nonsense`)).toBe(400);
    expect(await upgradeStatus(`${base}/v1?address=db.example.invalid:5432`)).toBe(403);

    const strict = await startWsProxy({ allowedTarget: `127.0.0.1:${pg.port}` });
    cleanups.push(() => strict.stop());
    expect(await upgradeStatus(`ws://127.0.0.1:${strict.port}/v1?address=127.0.0.1:${pg.port + 1}`)).toBe(403);
    expect(pg.sockets).toHaveLength(0);
    await expect(startWsProxy({ allowedTarget: "10.1.2.3:5432" })).rejects.toThrow(/loopback/);
  });

  it("pipes binary frames both ways", async () => {
    const { pg, proxy } = await setup((socket, chunk) => socket.write(Buffer.concat([Buffer.from("echo:"), chunk])));
    const client = new ws.WebSocket(`ws://127.0.0.1:${proxy.port}/v1?address=localhost:${pg.port}`);
    await once(client, "open");
    const startup = startupMessage();
    client.send(startup);
    const [data, isBinary] = (await once(client, "message")) as [Buffer, boolean];
    expect(isBinary).toBe(true);
    expect(Buffer.compare(data, Buffer.concat([Buffer.from("echo:"), startup]))).toBe(0);
    expect(proxy.openConnections()).toBe(1);
    client.terminate();
    await waitFor(() => proxy.openConnections() === 0);
  });

  it("ends the TCP side when the client sends Terminate, even split across frames", async () => {
    const { pg, proxy } = await setup();
    const client = new ws.WebSocket(`ws://127.0.0.1:${proxy.port}/v1?address=127.0.0.1:${pg.port}`);
    await once(client, "open");
    const startup = startupMessage();
    client.send(startup.subarray(0, 3));
    client.send(startup.subarray(3));
    // A query whose text contains the bytes of a Terminate message must not end anything.
    const query = typed("Q", Buffer.concat([Buffer.from("select 'X"), Buffer.from([0, 0, 0, 4]), Buffer.from("'\0")]));
    client.send(query);
    await waitFor(() => Buffer.concat(pg.received).length === startup.length + query.length);
    let ended = false;
    void pg.ended.then(() => (ended = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(ended).toBe(false);

    const closed = once(client, "close");
    const terminate = typed("X", Buffer.alloc(0));
    client.send(Buffer.concat([typed("S", Buffer.alloc(0)), terminate.subarray(0, 2)]));
    client.send(terminate.subarray(2));
    await pg.ended; // the proxy half-closed TCP; the fake server closes its side in turn
    const [code] = (await closed) as [number];
    expect(code).toBe(1006); // terminate(), no close handshake
    await waitFor(() => proxy.openConnections() === 0);
  });

  it("terminates the WebSocket when Postgres closes the TCP connection", async () => {
    const { pg, proxy } = await setup((socket) => socket.destroy());
    const client = new ws.WebSocket(`ws://127.0.0.1:${proxy.port}/v1?address=127.0.0.1:${pg.port}`);
    await once(client, "open");
    const closed = once(client, "close");
    client.send(startupMessage());
    const [code] = (await closed) as [number];
    expect(code).toBe(1006);
    await waitFor(() => proxy.openConnections() === 0);
  });

  it("terminates the WebSocket when nothing listens on the target", async () => {
    const { pg, proxy } = await setup();
    await new Promise<void>((r) => pg.server.close(() => r()));
    const client = new ws.WebSocket(`ws://127.0.0.1:${proxy.port}/v1?address=127.0.0.1:${pg.port}`);
    const [code] = (await once(client, "close")) as [number];
    expect(code).toBe(1006);
    expect(proxy.openConnections()).toBe(0);
  });
});
