import type { IncomingMessage, ServerResponse } from "node:http";

export async function bytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function body(req: IncomingMessage): Promise<string> {
  return (await bytes(req)).toString("utf8");
}

export function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

export const errorBody = (code: string, message: string): { error: { code: string; message: string } } => ({ error: { code, message } });
