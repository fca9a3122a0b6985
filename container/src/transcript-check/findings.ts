// Findings in words, shared by the runner (error messages, logs) and the Durable Object (the
// audit trail): kinds and line numbers only, never content.
import type { TranscriptFinding } from "../protocol.ts";

/** "broken_chain at line 14, dangling_tool_use at line 9" (at most five, then a count). */
export function describeFindings(findings: readonly TranscriptFinding[]): string {
  if (findings.length === 0) return "no findings reported";
  const shown = findings.slice(0, 5).map((f) => `${f.kind}${f.line === null ? "" : ` at line ${f.line}`}`);
  return findings.length > shown.length ? `${shown.join(", ")} and ${findings.length - shown.length} more` : shown.join(", ");
}
