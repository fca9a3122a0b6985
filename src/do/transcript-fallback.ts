// The runner refused the transcript it was to resume (transcript_invalid: its check found
// faults no repair on a copy may fix, container/src/transcript-check/). The session cannot be
// resumed, here or later: it is marked non-resumable, the attempt is audited with what the
// check found (kinds, lines, ids; never content), and the step starts a new session that is
// handed what the product knows of the project — the handoff the policy builds for any new
// session — rather than nothing, so requests that refer to earlier ones still work.
import type { RunnerFailure } from "../runner/client.ts";
import type { Operation, ResultEvent, TranscriptFinding } from "../runner/protocol.ts";
import type { JobContext } from "./context.ts";
import { describeFindings } from "../../container/src/transcript-check/findings.ts";
import { audit } from "./context.ts";
import { handoffFor } from "./session-policy.ts";

export const TRANSCRIPT_INVALID = "transcript_invalid";

/** Records the refusal; returns the handoff for the new session that replaces the resume. */
export function transcriptInvalid(ctx: JobContext, operation: Operation, sessionIn: string, error: RunnerFailure): { handoff: string | null; findings: TranscriptFinding[] } {
  const findings = error.findings ?? [];
  ctx.chain.recordFailure();
  ctx.chain.markNonResumable();
  audit(ctx, {
    requestedSessionId: sessionIn,
    returnedSessionId: null,
    outcome: "corrupted",
    reason: `${TRANSCRIPT_INVALID}: ${operation}: ${describeFindings(findings)}; session marked non-resumable`.slice(0, 1000),
    // The findings as the runner sent them: kinds, line numbers, uuids and tool_use ids only.
    errorText: JSON.stringify(findings).slice(0, 2000),
  });
  return { handoff: handoffFor(ctx), findings };
}

/** For the audit of a resume whose transcript the runner repaired on a copy first. */
export function repairNote(result: ResultEvent): string {
  const repair = result.transcriptRepair;
  return repair === undefined ? "" : `; transcript repaired on a copy (${repair.copySessionId}): ${describeFindings(repair.findings)}`;
}
