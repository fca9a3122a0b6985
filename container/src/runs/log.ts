// A run's durable record on the runner's disk: its request and its numbered event log,
// one directory per run id. It outlives the HTTP connection that started the run and the
// runner process, so a caller can follow the run again from any offset.
import { appendFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { isNotFound } from "../fsutil.ts";
import { runsDir } from "../paths.ts";
import { FinalEvent, LoggedEvent, RunRequest } from "../protocol.ts";

export interface RunFiles {
  dir: string;
  request: string;
  events: string;
}

export function runFiles(dataDir: string, runId: string): RunFiles {
  // runId is validated against the protocol regex (no `/`, no leading `.`) before it gets here.
  const dir = path.join(runsDir(dataDir), runId);
  return { dir, request: path.join(dir, "request.json"), events: path.join(dir, "events.ndjson") };
}

export interface StoredRun {
  request: RunRequest;
  events: LoggedEvent[];
  final: FinalEvent | null;
  startedAt: number;
  /** When the final event was written (the log's last change), else null. */
  finishedAt: number | null;
}

/** Creates the run's directory; false when a run with this id already exists. */
export async function createRunLog(files: RunFiles, request: RunRequest): Promise<boolean> {
  await mkdir(path.dirname(files.dir), { recursive: true });
  try {
    await mkdir(files.dir);
  } catch (err) {
    if (typeof err === "object" && err !== null && "code" in err && err.code === "EEXIST") return false;
    throw err;
  }
  await writeFile(files.request, JSON.stringify(request));
  await writeFile(files.events, "");
  return true;
}

export async function appendEvent(files: RunFiles, event: LoggedEvent): Promise<void> {
  await appendFile(files.events, `${JSON.stringify(event)}\n`);
}

/** The run as its files describe it; null when there is no such run (or its request is unreadable). */
export async function readRunLog(files: RunFiles): Promise<StoredRun | null> {
  let requestText: string;
  let eventsText: string;
  try {
    requestText = await readFile(files.request, "utf8");
    eventsText = await readFile(files.events, "utf8");
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  const request = RunRequest.safeParse(safeJson(requestText));
  if (!request.success) return null;
  const events: LoggedEvent[] = [];
  // A line cut short by a crash is the only damage an append-only log can take: skip it.
  for (const line of eventsText.split("\n")) {
    const parsed = LoggedEvent.safeParse(safeJson(line));
    if (parsed.success) events.push(parsed.data);
  }
  const last = events.at(-1);
  const final = last === undefined ? null : finalOf(last);
  const [dirInfo, logInfo] = await Promise.all([stat(files.dir), stat(files.events)]);
  return { request: request.data, events, final, startedAt: dirInfo.birthtimeMs || dirInfo.mtimeMs, finishedAt: final === null ? null : logInfo.mtimeMs };
}

export function finalOf(event: LoggedEvent): FinalEvent | null {
  const parsed = FinalEvent.safeParse(event);
  return parsed.success ? parsed.data : null;
}

export async function listRunIds(dataDir: string): Promise<string[]> {
  try {
    return (await readdir(runsDir(dataDir), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

export async function removeRunLog(files: RunFiles): Promise<void> {
  await rm(files.dir, { recursive: true, force: true });
}

function safeJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
