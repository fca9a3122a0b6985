// Claude Code transcripts (JSONL, one file per session) inside a project's config dir:
// locate, validate, import, and read the cost state a resumed session continues from.
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { isNotFound, writeFileAtomic } from "./fsutil.ts";
import type { ProjectPaths } from "./paths.ts";
import { readLines } from "./transcript-check/lines.ts";

export interface TranscriptLocation {
  path: string;
  bytes: number;
}

/**
 * Finds `<config>/projects/<any>/<sessionId>.jsonl`. The engine itself searches every
 * subdirectory on resume, so any copy in this project's config dir is the session.
 */
export async function findTranscript(paths: ProjectPaths, sessionId: string): Promise<TranscriptLocation | null> {
  const name = `${sessionId}.jsonl`;
  const candidates = [paths.transcriptsDir];
  try {
    for (const entry of await readdir(paths.transcriptsRoot, { withFileTypes: true })) {
      const dir = path.join(paths.transcriptsRoot, entry.name);
      if (entry.isDirectory() && dir !== paths.transcriptsDir) candidates.push(dir);
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  for (const dir of candidates) {
    const file = path.join(dir, name);
    try {
      const info = await stat(file);
      if (info.isFile()) return { path: file, bytes: info.size };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return null;
}

export type TranscriptCheck = { ok: true; lines: number } | { ok: false; reason: string };

/**
 * A transcript is usable when every line is a JSON object, every line that names a session
 * names this one, and at least one does. `allowTruncatedTail` accepts an unterminated last
 * line that does not parse: the engine skips such a line (a write cut short), so a local
 * file with one is still resumable; an upload must be whole.
 */
export function checkTranscript(text: string, sessionId: string, allowTruncatedTail: boolean): TranscriptCheck {
  let own = 0;
  let count = 0;
  for (const line of readLines(text)) {
    if (line.value === null) {
      if (line.unterminatedTail && line.fault === "invalid_json" && allowTruncatedTail) continue;
      return { ok: false, reason: line.fault === "invalid_json" ? `line ${line.n} is not valid JSON` : `line ${line.n} is not a JSON object` };
    }
    count++;
    const named = line.value.sessionId;
    if (named === undefined) continue;
    if (named !== sessionId) return { ok: false, reason: `line ${line.n} belongs to another session` };
    own++;
  }
  if (own === 0) return { ok: false, reason: "the transcript has no entries of this session" };
  return { ok: true, lines: count };
}

/** Writes a transcript where the engine would have, replacing copies elsewhere in this project. */
export async function writeTranscript(paths: ProjectPaths, sessionId: string, text: string): Promise<void> {
  await mkdir(paths.transcriptsDir, { recursive: true });
  const existing = await findTranscript(paths, sessionId);
  const target = path.join(paths.transcriptsDir, `${sessionId}.jsonl`);
  await writeFileAtomic(target, text.endsWith("\n") ? text : `${text}\n`);
  if (existing !== null && existing.path !== target) await rm(existing.path, { force: true });
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
}

export interface CostState {
  totalCostUsd: number;
  /** Per model, the cumulative token counts the session had saved. */
  modelUsage: Map<string, TokenCounts>;
}

export const ZERO_COST_STATE: CostState = { totalCostUsd: 0, modelUsage: new Map() };

/**
 * The engine saves running totals in `cost-state` lines and a resumed or forked session
 * continues from them (measured: total_cost_usd and modelUsage are cumulative over the
 * chain). The last such line is the baseline a run's own spend is measured against.
 */
export function readCostState(text: string): CostState {
  const lines = text.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? "";
    if (!line.includes('"cost-state"')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isRecord(value) || value.type !== "cost-state") continue;
    const modelUsage = new Map<string, TokenCounts>();
    if (isRecord(value.modelUsage)) {
      for (const [model, usage] of Object.entries(value.modelUsage)) {
        if (isRecord(usage)) modelUsage.set(model, tokenCounts(usage));
      }
    }
    return { totalCostUsd: num(value.totalCostUSD), modelUsage };
  }
  return ZERO_COST_STATE;
}

export function tokenCounts(usage: Record<string, unknown>): TokenCounts {
  return {
    inputTokens: num(usage.inputTokens),
    outputTokens: num(usage.outputTokens),
    cacheCreationInputTokens: num(usage.cacheCreationInputTokens),
    cacheReadInputTokens: num(usage.cacheReadInputTokens),
  };
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
