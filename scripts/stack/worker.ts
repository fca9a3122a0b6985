// The Worker under `wrangler dev`, as a child process: the same thing `npm run dev` serves.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort, waitForHttp } from "./ports.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRANGLER = fileURLToPath(new URL("../../node_modules/wrangler/bin/wrangler.js", import.meta.url));

export interface WorkerOptions {
  port?: number;
  /** [vars] overrides (wrangler dev --var). */
  vars: Record<string, string>;
  /** Values for secrets.required; wrangler dev reads them from the environment. */
  secrets: Record<string, string>;
  /** Keep Durable Object and R2 state here across restarts. */
  persistDir?: string;
  /** Pass wrangler's output through (dev) or keep it quiet (tests, bench). */
  inheritOutput?: boolean;
}

export interface RunningWorker {
  url: string;
  stop(): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const port = options.port ?? (await freePort());
  const args = [WRANGLER, "dev", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false"];
  for (const [key, value] of Object.entries(options.vars)) args.push("--var", `${key}:${value}`);
  if (options.persistDir !== undefined) args.push("--persist-to", options.persistDir);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.secrets, WRANGLER_SEND_METRICS: "false", NO_UPDATE_NOTIFIER: "1" },
    stdio: options.inheritOutput === true ? "inherit" : ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000); });
  child.stderr?.on("data", (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000); });
  let exited = false;
  child.once("exit", () => { exited = true; });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (exited || child.pid === undefined) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    process.kill(-child.pid, "SIGTERM");
    const timer = setTimeout(() => { if (!exited && child.pid !== undefined) process.kill(-child.pid, "SIGKILL"); }, 5000);
    await gone;
    clearTimeout(timer);
  };
  try {
    await waitForHttp(`${url}/healthz`, 60_000, () => !exited);
  } catch (err) {
    await stop();
    throw new Error(`wrangler dev did not start: ${String(err)}\n${output}`);
  }
  return { url, stop };
}
