// The check a transcript passes before it is resumed. What the engine would send the model
// is the chain of entries from the last one (the leaf) back through `parentUuid`; the model
// API refuses a conversation in which a `tool_use` is not answered by a `tool_result` in the
// next message (and a `tool_result` that answers nothing). So, besides every line being a
// JSON object of this session: the chain must reach its root (a null parent, e.g. a
// compaction boundary) without a missing link, no uuid may name two different lines, and
// every call on the chain must be answered before the conversation moves on.
import type { TranscriptFinding, TranscriptFindingKind } from "../protocol.ts";
import { blocksOf, entryOf, messageIdOf, readLines } from "./lines.ts";
import type { Entry, TranscriptLine } from "./lines.ts";

/** A call of the interrupted last turn: closed by the repair with Claude Code's own marker. */
export interface DanglingCall {
  toolUseId: string;
  assistantUuid: string;
}

export interface TranscriptReport {
  findings: TranscriptFinding[];
  /** Every finding can be repaired on a copy (and there is at least one). */
  repairable: boolean;
  lines: TranscriptLine[];
  /** Line numbers the repair leaves out: a truncated last line, repeats of a line. */
  drop: Set<number>;
  /** The last entry of the conversation the engine resumes; the repair appends after it. */
  leaf: Entry | null;
  dangling: DanglingCall[];
}

const REPAIRABLE: ReadonlySet<TranscriptFindingKind> = new Set(["truncated_last_line", "duplicate_line", "dangling_tool_use"]);

function finding(kind: TranscriptFindingKind, line: number | null, detail: string, repairable = REPAIRABLE.has(kind)): TranscriptFinding {
  return { kind, line, detail: detail.slice(0, 300), repairable };
}

export function checkTranscriptForResume(text: string, sessionId: string): TranscriptReport {
  const lines = readLines(text);
  const findings: TranscriptFinding[] = [];
  const drop = new Set<number>();
  let own = 0;
  for (const line of lines) {
    if (line.value === null) {
      if (line.unterminatedTail && line.fault === "invalid_json") {
        // A write cut short: the line never finished, nothing after it depends on it.
        findings.push(finding("truncated_last_line", line.n, "the last line is cut short (no newline, not JSON)"));
        drop.add(line.n);
      } else {
        findings.push(finding(line.fault, line.n, line.fault === "invalid_json" ? "the line is not JSON" : "the line is JSON but not an object"));
      }
      continue;
    }
    const named = line.value.sessionId;
    if (named === undefined) continue;
    if (named === sessionId) own++;
    else findings.push(finding("other_session", line.n, "the line names another session id"));
  }

  const byUuid = new Map<string, Entry>();
  const children = new Map<string, Entry[]>();
  let leaf: Entry | null = null;
  for (const line of lines) {
    const entry = entryOf(line);
    if (entry === null) continue;
    const seen = byUuid.get(entry.uuid);
    if (seen !== undefined) {
      if (seen.raw === entry.raw) {
        findings.push(finding("duplicate_line", entry.n, `repeats line ${seen.n} (uuid ${entry.uuid})`));
        drop.add(entry.n);
      } else {
        findings.push(finding("duplicate_uuid", entry.n, `uuid ${entry.uuid} is also line ${seen.n}, with other content`));
      }
      continue;
    }
    byUuid.set(entry.uuid, entry);
    if (entry.parentUuid !== null) {
      const siblings = children.get(entry.parentUuid);
      if (siblings === undefined) children.set(entry.parentUuid, [entry]);
      else siblings.push(entry);
    }
    leaf = entry;
  }
  if (own === 0 || leaf === null) findings.push(finding("no_conversation", null, "the transcript has no conversation entries of this session"));

  const before = findings.length;
  const chain = leaf === null ? [] : walkChain(leaf, byUuid, findings);
  // A broken chain is refused as such; the calls of its fragment would only echo it.
  const dangling = findings.length > before ? [] : checkCalls(chain, children, findings);
  return { findings, repairable: findings.length > 0 && findings.every((f) => f.repairable), lines, drop, leaf, dangling };
}

/** The entries from the root to `leaf`, oldest first; a missing link or a cycle is a finding. */
function walkChain(leaf: Entry, byUuid: Map<string, Entry>, findings: TranscriptFinding[]): Entry[] {
  const chain: Entry[] = [];
  const visited = new Set<string>();
  let at: Entry | undefined = leaf;
  while (at !== undefined) {
    if (visited.has(at.uuid)) {
      findings.push(finding("broken_chain", at.n, `the parentUuid chain loops back to uuid ${at.uuid}`));
      break;
    }
    visited.add(at.uuid);
    chain.push(at);
    if (at.parentUuid === null) break;
    const parent = byUuid.get(at.parentUuid);
    if (parent === undefined) findings.push(finding("broken_chain", at.n, `parentUuid ${at.parentUuid} is not in the transcript`));
    at = parent;
  }
  return chain.reverse();
}

/**
 * Pairs calls with results along the chain. A call must be answered before the next assistant
 * message starts (parallel calls of one message share its id and may be answered together).
 * Calls still open at the end of the chain are the interrupted last turn: repairable.
 * Parallel calls are one line each, chained, and each result's parent is ITS call's line, so
 * only the last result lies on the leaf's chain: the others hang off the chain as children of
 * its assistant lines, and the engine sends them with it. They are read with their call.
 */
function checkCalls(chain: Entry[], children: ReadonlyMap<string, readonly Entry[]>, findings: TranscriptFinding[]): DanglingCall[] {
  const open = new Map<string, { n: number; messageId: string | null; assistantUuid: string }>();
  const answered = new Set<string>();
  const read = new Set<string>(); // a result on the chain is also a child of its call's line
  const answer = (entry: Entry): void => {
    if (read.has(entry.uuid)) return;
    read.add(entry.uuid);
    for (const block of blocksOf(entry)) {
      if (block.type !== "tool_result" || typeof block.tool_use_id !== "string") continue;
      const id = block.tool_use_id;
      if (open.delete(id)) answered.add(id);
      else if (!answered.has(id)) findings.push(finding("orphan_tool_result", entry.n, `tool_result for ${id} answers no call before it`));
    }
  };
  for (const entry of chain) {
    const type = entry.value.type;
    if (type === "assistant") {
      const messageId = messageIdOf(entry);
      for (const [id, call] of open) {
        if (call.messageId !== null && call.messageId === messageId) continue;
        // Not an interruption: later turns were built on the unanswered call.
        findings.push(finding("dangling_tool_use", call.n, `tool_use ${id} is not answered before the conversation goes on`, false));
        open.delete(id);
      }
      for (const block of blocksOf(entry)) {
        if (block.type === "tool_use" && typeof block.id === "string") open.set(block.id, { n: entry.n, messageId, assistantUuid: entry.uuid });
      }
      for (const child of children.get(entry.uuid) ?? []) if (child.value.type === "user") answer(child);
    } else if (type === "user") {
      answer(entry);
    }
  }
  const dangling: DanglingCall[] = [];
  for (const [id, call] of open) {
    findings.push(finding("dangling_tool_use", call.n, `tool_use ${id} of the last turn has no tool_result (interrupted)`));
    dangling.push({ toolUseId: id, assistantUuid: call.assistantUuid });
  }
  return dangling;
}
