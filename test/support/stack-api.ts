// The public API of a local stack (scripts/stack.ts) as the end-to-end tests call it: a
// signed bearer, JSON calls that throw on an error status, and waiting for a job to end.
import { SignJWT } from "jose";
import type { Stack } from "../../scripts/stack.ts";
import type { JobView } from "../../src/domain/views.ts";

/** A one-hour HS256 token for `subject`, signed with the stack's AUTH_SECRET. */
export function signBearer(stack: Stack, subject: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(subject).setIssuedAt().setExpirationTime("1h").sign(new TextEncoder().encode(stack.authSecret));
}

export async function apiCall<T>(stack: Stack, bearer: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Polls `read` until the job has succeeded or failed. */
export async function jobFinished(read: () => Promise<JobView>, timeoutMs: number): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await read();
    if (job.status === "succeeded" || job.status === "failed") return job;
    if (Date.now() > deadline) throw new Error(`job ${job.id} still ${job.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
