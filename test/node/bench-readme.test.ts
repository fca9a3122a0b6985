// The README's and docs/benchmark.md's benchmark figures are the last full run's
// (bench/results.json): `npm run bench:readme -- --check` exits 1 when either document
// quotes anything else, so a new run without new figures (or retyped figures) fails here.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("benchmark figures in the documents", () => {
  it("README.md and docs/benchmark.md quote bench/results.json", () => {
    const run = spawnSync(process.execPath, ["bench/readme.ts", "--check"], { cwd: ROOT, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});
