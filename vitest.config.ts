import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Three kinds of tests: `worker` runs inside workerd (Worker, Durable Object, R2, Postgres
// through the Neon driver); `node` runs the runner, the simulator, local tooling and the
// browser tests of the console; `console` tests the console's own logic without a browser.
/** The metadata model the worker tests run the lean step with: any model of src/models/table.ts other than the engine's default. */
const LEAN_METADATA_MODEL = "claude-haiku-4-5";
const LEGACY_METADATA_TESTS = ["test/worker/chain.test.ts", "test/worker/memory.test.ts"];

export default defineConfig({
  test: {
    projects: [
      workerProject("worker", { METADATA_MODEL: LEAN_METADATA_MODEL }, ["test/worker/**/*.test.ts"], LEGACY_METADATA_TESTS),
      // Today's metadata step (METADATA_STEP=legacy, the benchmark's baseline): the tests that
      // pin its behaviour, unchanged (the whole documentation re-emitted on the chain).
      workerProject("worker-legacy-metadata", { METADATA_STEP: "legacy" }, LEGACY_METADATA_TESTS, []),
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts"],
          // Builds the console once if its sources changed: the stack's wrangler dev serves it.
          globalSetup: ["./test/setup/global-console.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "console",
          environment: "node",
          include: ["test/console/**/*.test.ts"],
        },
      },
    ],
  },
});


/** A project of tests inside workerd; `vars` override wrangler.toml's. */
function workerProject(name: string, vars: Record<string, string>, include: string[], exclude: string[]) {
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            AUTH_SECRET: "test-secret-0123456789abcdef0123456789",
            METRICS_TOKEN: "test-metrics-token",
            ADMIN_TOKEN: "test-admin-token",
            RUNNER_TOKEN: "",
            DATABASE_URL: inject<string>("databaseUrl"),
            NEON_LOCAL_WS_PROXY: inject<string>("wsProxy"),
            RUNNER_URL: inject<string>("fakeRunnerUrl"),
            RUNNER_RETRY_BASE_MS: "5",
            RUNNER_RETRY_BUDGET_MS: "2000",
            // Small on purpose: any job that takes longer than this is handed over
            // between alarm invocations mid-run, so every test also exercises that path.
            JOB_INVOCATION_BUDGET_MS: "2000",
            COMPACTION_POLICY: "always",
            // The chain's mechanics (resume, fallbacks, audit) are tested under today's rule,
            // resume whenever allowed; test/worker/policy*.test.ts set economic per project.
            SESSION_POLICY: "always",
            // The outage tests wait for Postgres this long before calling a resume unverified.
            OWNERSHIP_CHECK_WAIT_MS: "500",
            ANTHROPIC_API_KEY: "unused-in-tests",
            // The dev clock's route and offset (test/worker/dev-clock.test.ts); nothing else moves it.
            DEV_CLOCK_ENABLED: "true",
            ...vars,
          },
        },
      })),
    ],
    test: {
      name,
      include,
      exclude,
      globalSetup: ["./test/setup/global-worker.ts"],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
}
