// CI's closing line from vitest's JSON report. vitest's `numFailedTests` counts only tests that
// ran and failed: a file whose hook throws, that fails to import, or a run-level error adds
// nothing to it, so "368 passed, 0 failed" could close a red run. This counts every failure.
import { readFileSync } from "node:fs";
import { z } from "zod";

// The part of vitest's JSON report the line reads.
const VitestReport = z.object({
  numPassedTests: z.number(),
  numFailedTests: z.number(),
  success: z.boolean(),
  testResults: z.array(z.object({
    name: z.string(),
    status: z.string(),
    /** Non-empty when the file failed outside any test (a hook, its import, the suite). */
    message: z.string().optional(),
  })),
});
export type VitestReport = z.infer<typeof VitestReport>;

export interface Summary {
  passed: number;
  failed: number;
  /** Why each failure outside a test counted, one line each (tests name themselves in vitest's output). */
  reasons: string[];
  green: boolean;
}

/**
 * `failedSteps`: CI steps outside vitest that failed (typecheck, build), each one failure;
 * `vitestStatus`: vitest's exit status (non-zero with nothing else failed still counts once).
 */
export function summarize(report: VitestReport | null, failedSteps: readonly string[], vitestStatus = 0): Summary {
  const reasons = failedSteps.map((step) => `${step} failed`);
  if (report === null) {
    reasons.push("vitest wrote no report: no test ran");
    return { passed: 0, failed: reasons.length, reasons, green: false };
  }
  for (const file of report.testResults) {
    const message = file.message?.trim() ?? "";
    if (message !== "") reasons.push(`${file.name}: failed outside a test: ${message.split("\n")[0] ?? ""}`);
  }
  // A run vitest calls failed with nothing above to show for it (an unhandled error between tests).
  if ((!report.success || vitestStatus !== 0) && report.numFailedTests === 0 && reasons.length === failedSteps.length) {
    reasons.push(`vitest reported the run as failed (exit status ${vitestStatus}) with no failing test or file`);
  }
  if (report.numPassedTests === 0 && report.numFailedTests === 0) reasons.push("no test ran");
  const failed = report.numFailedTests + reasons.length;
  return { passed: report.numPassedTests, failed, reasons, green: failed === 0 };
}

/** The report, or null when vitest wrote none or something else (a crash mid-write). */
function readReport(path: string): VitestReport | null {
  try {
    const parsed = VitestReport.safeParse(JSON.parse(readFileSync(path, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

// Usage: node scripts/ci/summary.ts <report.json> <vitest exit status> [failed step ...]; exits 1 unless green.
if (import.meta.main) {
  const [path = "", status = "0", ...failedSteps] = process.argv.slice(2);
  const summary = summarize(readReport(path), failedSteps, Number(status));
  for (const reason of summary.reasons) console.log(reason);
  console.log(`${summary.passed} passed, ${summary.failed} failed`);
  process.exitCode = summary.green ? 0 : 1;
}
