// Before a resume: the transcript is checked; a transcript with only repairable faults is
// repaired on a copy under a new session id, which the run then resumes in its place (the
// engine appends to it: it is already the run's own session, as a fork would be); any other
// fault refuses the run with `transcript_invalid` and the findings, before a model call.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { RunFailure } from "../errors.ts";
import type { ProjectPaths } from "../paths.ts";
import { MAX_TRANSCRIPT_FINDINGS } from "../protocol.ts";
import type { TranscriptFinding, TranscriptRepairedEvent } from "../protocol.ts";
import { findTranscript, readCostState, writeTranscript, ZERO_COST_STATE } from "../transcripts.ts";
import type { CostState } from "../transcripts.ts";
import { checkTranscriptForResume } from "./check.ts";
import { describeFindings } from "./findings.ts";
import { repairTranscript } from "./repair.ts";

export interface ResumeTarget {
  /** The session the engine resumes: the requested one, or the repaired copy. */
  sessionId: string;
  /** A repaired copy is resumed in place (it is already a new session). */
  forkSession: boolean;
  transcriptExisted: boolean;
  /** The running totals the transcript had saved (the run's own cost is measured against them). */
  baseline: CostState;
  repair: Omit<TranscriptRepairedEvent, "type"> | null;
}

/** The copy names its own session on every line, as the engine's forks do (paths stay as they are). */
function renameSession(text: string, from: string, to: string): string {
  return text.split(`"sessionId":${JSON.stringify(from)}`).join(`"sessionId":${JSON.stringify(to)}`);
}

export async function prepareResume(paths: ProjectPaths, sessionId: string, forkSession: boolean): Promise<ResumeTarget> {
  const found = await findTranscript(paths, sessionId);
  // No file: the engine reports the unknown session itself (session_not_found).
  if (found === null) return { sessionId, forkSession, transcriptExisted: false, baseline: ZERO_COST_STATE, repair: null };
  const text = await readFile(found.path, "utf8");
  const report = checkTranscriptForResume(text, sessionId);
  const findings = report.findings.slice(0, MAX_TRANSCRIPT_FINDINGS);
  if (report.findings.length === 0) return { sessionId, forkSession, transcriptExisted: true, baseline: readCostState(text), repair: null };
  if (!report.repairable) {
    throw new RunFailure("transcript_invalid", `the transcript of session ${sessionId} cannot be resumed: ${describeFindings(report.findings)}`, { findings });
  }
  const copySessionId = randomUUID();
  await writeTranscript(paths, copySessionId, renameSession(repairTranscript(report), sessionId, copySessionId));
  return { sessionId: copySessionId, forkSession: false, transcriptExisted: true, baseline: readCostState(text), repair: { sessionId, copySessionId, findings } };
}
