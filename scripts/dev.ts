// `npm run dev`: the whole product locally on http://127.0.0.1:8787 with an embedded
// Postgres (PGlite) unless DATABASE_URL is set, the model simulator unless
// ANTHROPIC_API_KEY is set, and the runner as a local process. State lives in .dev-data/.
import { fileURLToPath } from "node:url";
import { authSecretProblem } from "../src/router/auth-secret.ts";
import { watchConsole } from "./console/build.ts";
import { DEV_AUTH_SECRET } from "./dev-secrets.ts";
import { signinLink } from "./signin-link.ts";
import { startStack } from "./stack.ts";

// The Worker refuses to serve with a weak AUTH_SECRET; say so here instead of starting it.
const authSecret = process.env.AUTH_SECRET ?? DEV_AUTH_SECRET;
const secretProblem = authSecretProblem(authSecret);
if (secretProblem !== null) {
  process.stderr.write(`npm run dev: ${secretProblem}\n`);
  process.exit(1);
}

const dataDir = fileURLToPath(new URL("../.dev-data", import.meta.url));
const apiKey = process.env.ANTHROPIC_API_KEY;
// The console first (wrangler dev serves it as static assets), then rebuilt on every edit.
// Its first build is written before wrangler starts, so the banner below is not followed by
// a reload (an alarm invocation running in a reload would die with it).
const consoleWatcher = await watchConsole();
const stack = await startStack({
  dataDir,
  workerPort: Number(process.env.PORT ?? 8787),
  ...(process.env.DATABASE_URL !== undefined ? { databaseUrl: process.env.DATABASE_URL } : {}),
  ...(apiKey !== undefined && apiKey !== "" ? { anthropicApiKey: apiKey } : {}),
  latencyScale: Number(process.env.SIM_LATENCY_SCALE ?? 1),
  // The dev-only exchange of sign-in codes (POST /v1/dev/signin).
  vars: { DEV_SIGNIN: "true" },
  inheritOutput: true,
}).catch(async (err: unknown) => {
  await consoleWatcher.close();
  throw err;
});

process.stdout.write(`
session-chain is running
  console    ${stack.url}/
  sign in    ${await signinLink(stack.url, process.env.DEV_USER ?? "dev", authSecret)}
             (single use, valid 10 minutes; a new one: npm run signin-link -- <user>)
  API        ${stack.url}   (OpenAPI: ${stack.url}/openapi.json)
  runner     ${stack.runnerUrl}
  model      ${stack.simulatorUrl ?? "the real Anthropic API"}
  database   ${stack.databaseKind} ${stack.databaseUrl}
  token      npm run token -- <user>   (AUTH_SECRET=${authSecret})
Ctrl-C stops everything.
`);

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  consoleWatcher.close().then(() => stack.stop()).then(() => process.exit(0), () => process.exit(1));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
