// What one workspace's prompt cache should hold, as the proxy saw it: every breakpoint prefix
// written or read (its hash, when, with which TTL, how long), and the last request of each
// finished run with its session lineage, so the next run can compare its first request with
// the one before it. Hashes and counts only. Kept in the workspace's directory beside its
// transcripts: a runner that loses its disk loses both, and the next run's calls classify
// as `unknown` (nothing to compare with) rather than as a wrong cause.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { isNotFound, writeFileAtomic } from "../../fsutil.ts";
import { CacheTtl } from "../../protocol.ts";
import type { RequestPrint } from "./prefix.ts";

/** Entries are dropped this long after their last use: the longest TTL (1 h) plus room to say "expired 40 min ago". */
const KEEP_MS = 3 * 3_600_000;
/** Finished runs remembered (their last request's chain each). */
const KEEP_RUNS = 24;

const PrefixEntry = z.object({
  /** Last written or read (ms since epoch). */
  at: z.number(),
  ttl: CacheTtl,
  /** Prompt tokens up to this breakpoint, when the answer told (the request's last breakpoint). */
  tokens: z.number().int().nonnegative().nullable(),
  block: z.string(),
  runId: z.string(),
});
export type PrefixEntry = z.infer<typeof PrefixEntry>;

const RunPrint = z.object({
  runId: z.string(),
  sessionIn: z.string().nullable(),
  sessionOut: z.string().nullable(),
  at: z.number(),
  model: z.string(),
  chain: z.array(z.string()),
  shape: z.object({ tools: z.number().int(), system: z.number().int(), messages: z.array(z.number().int()) }),
  breakpoints: z.array(z.object({ position: z.number().int(), ttl: CacheTtl })),
});
export type RunPrint = z.infer<typeof RunPrint>;

const Stored = z.object({ version: z.literal(1), prefixes: z.record(z.string(), PrefixEntry), runs: z.array(RunPrint) });

export class CacheMemory {
  readonly prefixes = new Map<string, PrefixEntry>();
  runs: RunPrint[] = [];

  /** The last request of the run that produced `sessionId` (the session a new run resumes or forks). */
  lastOfSession(sessionId: string): RunPrint | null {
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const run = this.runs[i];
      if (run !== undefined && run.sessionOut === sessionId) return run;
    }
    return null;
  }

  finishRun(runId: string, sessionIn: string | null, sessionOut: string | null, last: { at: number; print: RequestPrint } | null): void {
    if (last === null) return;
    this.runs.push({ runId, sessionIn, sessionOut, at: last.at, ...last.print });
    this.runs = this.runs.slice(-KEEP_RUNS);
  }

  prune(now: number): void {
    for (const [hash, entry] of this.prefixes) if (now - entry.at > KEEP_MS) this.prefixes.delete(hash);
  }
}

export function memoryFile(projectRoot: string): string {
  return path.join(projectRoot, "cache-prints.json");
}

/** A missing or unreadable file is an empty memory (the classifier then says `unknown`). */
export async function loadMemory(file: string, log: (line: string) => void): Promise<CacheMemory> {
  const memory = new CacheMemory();
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if (!isNotFound(err)) log(`cache memory ${file} unreadable: ${err instanceof Error ? err.message : String(err)}`);
    return memory;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = null;
  }
  const parsed = Stored.safeParse(raw);
  if (!parsed.success) {
    log(`cache memory ${file} ignored: not in the expected shape`);
    return memory;
  }
  for (const [hash, entry] of Object.entries(parsed.data.prefixes)) memory.prefixes.set(hash, entry);
  memory.runs = parsed.data.runs;
  return memory;
}

export async function saveMemory(file: string, memory: CacheMemory, now: number): Promise<void> {
  memory.prune(now);
  const stored: z.infer<typeof Stored> = { version: 1, prefixes: Object.fromEntries(memory.prefixes), runs: memory.runs };
  await writeFileAtomic(file, JSON.stringify(stored));
}
