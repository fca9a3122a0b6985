// A user's pause, without waiting: the simulator's prompt-cache clock and the project's job
// clock in the Durable Object (the dev clock, DEV_CLOCK_ENABLED) move forward together, so
// cache expiry and the product's time rules (the 24-hour stale rule) both see it.
export interface Clocks {
  simulatorUrl: string;
  workerUrl: string;
  adminToken: string;
}

async function post(url: string, headers: Record<string, string>, advanceMs: number): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ advanceMs }) });
  if (!res.ok) throw new Error(`POST ${url} → ${res.status} ${(await res.text()).slice(0, 200)}`);
}

export async function pause(clocks: Clocks, projectId: string, ms: number): Promise<void> {
  if (ms <= 0) return;
  await post(`${clocks.simulatorUrl}/__sim/clock`, {}, ms);
  await post(`${clocks.workerUrl}/__dev/projects/${projectId}/clock`, { authorization: `Bearer ${clocks.adminToken}` }, ms);
}
