// CLI: node scripts/simulator/main.ts [--port N] [--host H] [--seed N] [--latency-scale X]
// Environment overrides: SIM_PORT, SIM_HOST, SIM_SEED, SIM_DUMP_DIR and the latency variables of latency.ts.
import { parseArgs } from "node:util";
import { latencyFromEnv } from "./latency.ts";
import { startSimulator } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    seed: { type: "string" },
    "latency-scale": { type: "string" },
  },
});

function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
  return n;
}

const { scale, ...latency } = latencyFromEnv(process.env);
const sim = await startSimulator({
  port: numberOption(values.port ?? process.env["SIM_PORT"], "port") ?? 0,
  host: values.host ?? process.env["SIM_HOST"] ?? "127.0.0.1",
  seed: numberOption(values.seed ?? process.env["SIM_SEED"], "seed"),
  latencyScale: numberOption(values["latency-scale"], "--latency-scale") ?? scale,
  latency,
  dumpDir: process.env["SIM_DUMP_DIR"] || undefined,
});
console.log(sim.url);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void sim.close().then(() => process.exit(0));
  });
}
