// Servers the worker tests talk to, started once in Node: a real Postgres (embedded
// PGlite when the server binaries are missing) behind the Neon WebSocket proxy, and the
// fake runner. Their addresses reach the Worker as bindings (vitest.config.ts).
import type { TestProject } from "vitest/node";
import { startDatabase } from "../../scripts/db/start-database.ts";
import { startFakeRunner } from "../support/fake-runner.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    wsProxy: string;
    fakeRunnerUrl: string;
    databaseKind: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Cleartext password auth on loopback only: SCRAM costs a key derivation per connection.
  const db = await startDatabase({ auth: "password" });
  const runner = await startFakeRunner();
  project.provide("databaseUrl", db.url);
  project.provide("wsProxy", db.wsProxy);
  project.provide("fakeRunnerUrl", runner.url);
  project.provide("databaseKind", db.kind);
  return async () => {
    await runner.close();
    await db.stop();
  };
}
