// CI's closing line (scripts/ci/summary.ts) read from real vitest JSON reports: a nested
// vitest run over tiny files that fail in each way vitest's own counters miss.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { summarize } from "../../scripts/ci/summary.ts";
import type { VitestReport } from "../../scripts/ci/summary.ts";

const run = promisify(execFile);
const vitest = join(process.cwd(), "node_modules", ".bin", "vitest");
const dirs: string[] = [];

const FILES: Record<string, string> = {
  "passes.test.ts": `import { test, expect } from "vitest";\ntest("one", () => { expect(1).toBe(1); });\ntest("two", () => { expect(2).toBe(2); });\n`,
  "fails.test.ts": `import { test, expect } from "vitest";\ntest("bad", () => { expect(1).toBe(2); });\n`,
  "hook.test.ts": `import { beforeAll, test } from "vitest";\nbeforeAll(() => { throw new Error("hook boom"); });\ntest("skipped", () => {});\n`,
  "import.test.ts": `import "./missing-module.ts";\nimport { test } from "vitest";\ntest("never", () => {});\n`,
};

/** Runs vitest over the named files and returns its JSON report. */
async function report(names: readonly string[]): Promise<VitestReport> {
  const dir = await mkdtemp(join(tmpdir(), "ci-summary-"));
  dirs.push(dir);
  await writeFile(join(dir, "vitest.config.ts"), "export default {};\n");
  for (const name of names) await writeFile(join(dir, name), FILES[name] ?? "");
  const out = join(dir, "report.json");
  await run(vitest, ["run", "--root", dir, "--reporter=json", `--outputFile.json=${out}`]).catch(() => undefined);
  return JSON.parse(await readFile(out, "utf8")) as VitestReport;
}

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("CI's closing line", () => {
  it("counts a file whose hook fails and one that fails to import, which vitest's numFailedTests misses", async () => {
    const r = await report(["passes.test.ts", "fails.test.ts", "hook.test.ts", "import.test.ts"]);
    expect(r.numFailedTests).toBe(1); // what the old line printed as the failures
    const s = summarize(r, []);
    expect(s).toMatchObject({ passed: 2, failed: 3, green: false });
    expect(s.reasons.join("\n")).toMatch(/hook\.test\.ts: failed outside a test: hook boom/);
    expect(s.reasons.join("\n")).toMatch(/import\.test\.ts: failed outside a test/);
  });

  it("is green only when tests ran and nothing failed, CI steps included", async () => {
    const r = await report(["passes.test.ts"]);
    expect(summarize(r, [])).toMatchObject({ passed: 2, failed: 0, green: true });
    expect(summarize(r, ["typecheck"])).toMatchObject({ passed: 2, failed: 1, green: false });
    expect(summarize({ ...r, numPassedTests: 0, testResults: [] }, [])).toMatchObject({ failed: 1, green: false });
    expect(summarize(null, [])).toMatchObject({ passed: 0, failed: 1, green: false });
    // vitest failed the run for something outside any file (an unhandled error): still one failure.
    expect(summarize({ ...r, success: false }, [])).toMatchObject({ passed: 2, failed: 1, green: false });
    expect(summarize(r, [], 1)).toMatchObject({ passed: 2, failed: 1, green: false });
  });
});
