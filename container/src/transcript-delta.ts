// A transcript as a delta from its parent's. A resumed (forked) session's transcript is its
// parent's lines, rewritten by Claude Code (new session id on every line, the prompt id and
// request ids of the copied turns renewed, some bookkeeping lines dropped or moved), plus the
// new turn. Measured on Claude Code 2.1.330: with only the session id substituted, less than
// half the bytes of a child match a parent line exactly; with the substitutions found below
// and per-line patches, a step's delta is 15–30 KB whatever the history's length.
//
// Format (TRANSCRIPT_DELTA_CONTENT_TYPE): line 1 is the JSON header (TranscriptDeltaHeader),
// then one op per line; the child is the lines the ops produce, joined with "\n" (so a final
// newline is an empty last line). Parent lines are taken with `substitutions` applied.
//   =<start>,<count>          copy <count> parent lines from index <start>
//   ~<index>,<head>,<tail>,<middle>
//                             parent line <index>: its first <head> and last <tail> UTF-16
//                             units around <middle> (raw text)
//   +<text>                   a new line (raw text)
// Every delta is checked by rebuilding it before it is handed out; a rebuild checks the
// parent's hash first and the result's hash and length last.
import { createHash } from "node:crypto";
import { TranscriptDeltaHeader } from "./protocol.ts";

export interface TranscriptText {
  sessionId: string;
  text: string;
}

export class DeltaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeltaError";
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A patch must save at least this share of a line, else the line is stored as it is. */
const PATCH_WORTH = 0.6;
/** Ops are a few characters of bookkeeping on top of their text. */
const OP_OVERHEAD = 16;

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function substitute(line: string, substitutions: readonly (readonly [string, string])[]): string {
  let out = line;
  for (const [from, to] of substitutions) if (out.includes(from)) out = out.split(from).join(to);
  return out;
}

function parseObject(line: string): Record<string, unknown> | null {
  if (!line.startsWith("{")) return null;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Keys that identify the same entry across a fork (its uuid, or the request/blob it records). */
const IDENTITY_KEYS = ["uuid", "id", "hash", "shapeHash", "leafUuid"] as const;

function identities(value: Record<string, unknown>): string[] {
  const type = typeof value.type === "string" ? value.type : "";
  const keys: string[] = [];
  for (const key of IDENTITY_KEYS) {
    const v = value[key];
    if (typeof v === "string") keys.push(`${type}\u0000${key}\u0000${v}`);
  }
  return keys;
}

interface Patch {
  head: number;
  tail: number;
  middle: string;
}

function patchOf(from: string, to: string): Patch {
  const max = Math.min(from.length, to.length);
  let head = 0;
  while (head < max && from.charCodeAt(head) === to.charCodeAt(head)) head++;
  let tail = 0;
  while (tail < max - head && from.charCodeAt(from.length - 1 - tail) === to.charCodeAt(to.length - 1 - tail)) tail++;
  return { head, tail, middle: to.slice(head, to.length - tail) };
}

/** The parent lines (substituted), indexed for lookups. */
class ParentIndex {
  readonly lines: string[];
  private readonly exact = new Map<string, number[]>();
  private readonly byIdentity = new Map<string, number>();
  private readonly lastOfType = new Map<string, number>();
  readonly parsed: (Record<string, unknown> | null)[];

  constructor(rawLines: readonly string[], substitutions: readonly (readonly [string, string])[]) {
    this.lines = rawLines.map((line) => substitute(line, substitutions));
    this.parsed = this.lines.map(parseObject);
    this.lines.forEach((line, i) => {
      const list = this.exact.get(line);
      if (list === undefined) this.exact.set(line, [i]);
      else list.push(i);
      const value = this.parsed[i];
      if (value === null || value === undefined) return;
      for (const key of identities(value)) if (!this.byIdentity.has(key)) this.byIdentity.set(key, i);
      if (typeof value.type === "string") this.lastOfType.set(value.type, i);
    });
  }

  /** The parent line equal to `line`, preferring `next` (the line after the last one copied). */
  exactMatch(line: string, next: number): number | null {
    const list = this.exact.get(line);
    if (list === undefined) return null;
    return list.includes(next) ? next : (list[0] ?? null);
  }

  /** Parent lines worth patching into `line`: the same entry, the next line, the last of its type. */
  candidates(value: Record<string, unknown> | null, next: number): number[] {
    const out = new Set<number>();
    if (value !== null) {
      for (const key of identities(value)) {
        const i = this.byIdentity.get(key);
        if (i !== undefined) out.add(i);
      }
      if (typeof value.type === "string") {
        const i = this.lastOfType.get(value.type);
        if (i !== undefined) out.add(i);
      }
    }
    if (next < this.lines.length) out.add(next);
    return [...out];
  }
}

/**
 * Ids the fork renewed: for child entries whose parent entry is known (same uuid), top-level
 * UUID values that differ, counted; a pair seen on two lines or more becomes a substitution.
 */
function discoverSubstitutions(parent: ParentIndex, childLines: readonly string[], known: readonly (readonly [string, string])[]): [string, string][] {
  const counts = new Map<string, { from: string; to: string; n: number }>();
  const sources = new Set(known.map(([from]) => from));
  for (const line of childLines) {
    if (parent.exactMatch(line, -1) !== null) continue;
    const value = parseObject(line);
    if (value === null) continue;
    const uuid = value.uuid;
    if (typeof uuid !== "string") continue;
    const index = parent.candidates({ uuid, type: value.type }, parent.lines.length)[0];
    const before = index === undefined ? null : parent.parsed[index];
    if (before === null || before === undefined || before.uuid !== uuid) continue;
    for (const [key, now] of Object.entries(value)) {
      const was = before[key];
      if (typeof now !== "string" || typeof was !== "string" || now === was || !UUID.test(now) || !UUID.test(was) || sources.has(was)) continue;
      const id = `${was}>${now}`;
      const entry = counts.get(id) ?? { from: was, to: now, n: 0 };
      entry.n += 1;
      counts.set(id, entry);
    }
  }
  const found: [string, string][] = [];
  const taken = new Set<string>();
  for (const { from, to, n } of [...counts.values()].sort((a, b) => b.n - a.n)) {
    if (n < 2 || taken.has(from)) continue;
    taken.add(from);
    found.push([from, to]);
  }
  return found;
}

function encodeOps(parent: ParentIndex, childLines: readonly string[]): string[] {
  const ops: string[] = [];
  let run: { start: number; count: number } | null = null;
  const flush = (): void => {
    if (run !== null) ops.push(`=${run.start},${run.count}`);
    run = null;
  };
  let next = 0;
  for (const line of childLines) {
    const exact = parent.exactMatch(line, next);
    if (exact !== null) {
      if (run !== null && run.start + run.count === exact) run.count += 1;
      else {
        flush();
        run = { start: exact, count: 1 };
      }
      next = exact + 1;
      continue;
    }
    flush();
    let best: { index: number; patch: Patch; cost: number } | null = null;
    for (const index of parent.candidates(parseObject(line), next)) {
      const from = parent.lines[index] ?? "";
      const patch = patchOf(from, line);
      const cost = patch.middle.length + OP_OVERHEAD;
      if (best === null || cost < best.cost) best = { index, patch, cost };
    }
    if (best !== null && best.cost < line.length * PATCH_WORTH) {
      ops.push(`~${best.index},${best.patch.head},${best.patch.tail},${best.patch.middle}`);
      next = best.index + 1;
    } else {
      ops.push(`+${line}`);
    }
  }
  flush();
  return ops;
}

/**
 * The delta that rebuilds `child` from `parent`, or null when it would not be smaller than
 * the child itself. `substitutions` are known rewrites (e.g. a workspace path) besides the
 * session id, which is always substituted.
 */
export function computeDelta(parent: TranscriptText, child: TranscriptText, substitutions: readonly [string, string][] = []): string | null {
  const parentLines = parent.text.split("\n");
  const childLines = child.text.split("\n");
  const base: [string, string][] = [[parent.sessionId, child.sessionId], ...substitutions.filter(([from, to]) => from !== "" && from !== to)];
  const discovered = discoverSubstitutions(new ParentIndex(parentLines, base), childLines, base);
  const all = [...base, ...discovered];
  const ops = encodeOps(new ParentIndex(parentLines, all), childLines);
  const header: TranscriptDeltaHeader = {
    format: "session-chain-transcript-delta",
    version: 1,
    sessionId: child.sessionId,
    parentSessionId: parent.sessionId,
    parentSha256: sha256Hex(parent.text),
    sha256: sha256Hex(child.text),
    bytes: Buffer.byteLength(child.text, "utf8"),
    substitutions: all,
  };
  const delta = `${JSON.stringify(header)}\n${ops.join("\n")}`;
  if (Buffer.byteLength(delta, "utf8") >= header.bytes) return null;
  // Never hand out a delta that does not rebuild the child exactly.
  return applyDelta(parent.text, delta).text === child.text ? delta : null;
}

export function readDeltaHeader(delta: string): TranscriptDeltaHeader {
  const end = delta.indexOf("\n");
  const first = end === -1 ? delta : delta.slice(0, end);
  const parsed = TranscriptDeltaHeader.safeParse(parseObject(first));
  if (!parsed.success) throw new DeltaError("the delta has no valid header");
  return parsed.data;
}

function int(text: string | undefined, what: string): number {
  const n = Number(text);
  if (text === undefined || text === "" || !Number.isSafeInteger(n) || n < 0) throw new DeltaError(`bad ${what} in a delta op`);
  return n;
}

/** Rebuilds the child transcript; throws DeltaError when the parent or the result is not the one the header names. */
export function applyDelta(parentText: string, delta: string): { header: TranscriptDeltaHeader; text: string } {
  const header = readDeltaHeader(delta);
  if (sha256Hex(parentText) !== header.parentSha256) throw new DeltaError(`the parent transcript is not the one the delta of ${header.sessionId} was made from`);
  const parent = parentText.split("\n").map((line) => substitute(line, header.substitutions));
  const parentLine = (index: number): string => {
    const line = parent[index];
    if (line === undefined) throw new DeltaError(`a delta op names parent line ${index}, beyond its ${parent.length} lines`);
    return line;
  };
  const out: string[] = [];
  const ops = delta.split("\n").slice(1);
  for (const op of ops) {
    const kind = op[0];
    const body = op.slice(1);
    if (kind === "+") out.push(body);
    else if (kind === "=") {
      const [start, count] = body.split(",");
      const from = int(start, "start");
      const n = int(count, "count");
      for (let i = 0; i < n; i++) out.push(parentLine(from + i));
    } else if (kind === "~") {
      const parts = body.split(",");
      const from = parentLine(int(parts[0], "index"));
      const head = int(parts[1], "head");
      const tail = int(parts[2], "tail");
      if (head + tail > from.length) throw new DeltaError("a delta patch keeps more than its parent line has");
      out.push(`${from.slice(0, head)}${parts.slice(3).join(",")}${from.slice(from.length - tail)}`);
    } else {
      throw new DeltaError("a delta has an unknown op");
    }
  }
  const text = out.join("\n");
  if (Buffer.byteLength(text, "utf8") !== header.bytes || sha256Hex(text) !== header.sha256) {
    throw new DeltaError(`the delta of ${header.sessionId} does not rebuild the transcript it names`);
  }
  return { header, text };
}
