// Entry point: `node container/src/main.ts` (Node 22 strips the types).
import { startRunner } from "./server.ts";

const port = Number(process.env.PORT ?? "8080");
const runner = await startRunner({
  port: Number.isInteger(port) && port >= 0 ? port : 8080,
  host: process.env.RUNNER_HOST ?? "0.0.0.0",
  env: process.env,
});
process.stderr.write(`[runner] listening on :${runner.port}, data dir ${runner.config.dataDir}, engine ${runner.config.engineVersion}\n`);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    // In-flight runs are aborted and logged as `run_lost` (retryable), so the Durable
    // Object re-runs them from a reset workspace; a hard kill is found at the next start.
    void runner.close().then(() => process.exit(0));
  });
}
