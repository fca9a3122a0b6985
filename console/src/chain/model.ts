// The session chain as a graph: one node per Claude operation (build/update → metadata →
// compaction), typed edges between them, grouped by version. Built from the operations and
// audit rows, the versions, and what a running job reports live. Edge kinds cover what the
// chain can do now (new, resumed, forked, fallback, reset) and what restores and branches
// will add (restored, branch): a new kind is one more entry in EDGE_KINDS and its rule here.
import type { AttemptRecord, OperationRecord, VersionView } from "../api/types.ts";
import type { Decision } from "../lib/words.ts";
import { explainDecision, stepName } from "../lib/words.ts";

export const EDGE_KINDS = ["new", "resumed", "forked", "fallback", "reset", "restored", "branch"] as const;
export type EdgeKind = (typeof EDGE_KINDS)[number];

export const EDGE_TEXT: Record<EdgeKind, string> = {
  new: "new session",
  resumed: "resumed (same id)",
  forked: "resumed as a fork (new id)",
  fallback: "fell back to a new session",
  reset: "new session after a reset",
  restored: "restored from an earlier version",
  branch: "branched from an earlier version",
};

export interface NodeUsage {
  costUsd: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
}

export interface ChainNode {
  key: string;
  versionNumber: number;
  operation: string;
  status: "done" | "running";
  sessionIdIn: string | null;
  sessionIdOut: string | null;
  decision: Decision;
  usage: NodeUsage | null;
  /** Prompt-cache misses of the step by cause (tokens), from the runner's model proxy; empty when none or unknown. */
  cacheMisses: { cause: string; tokens: number }[];
  /** The API's words for a resumed history written to the cache again (src/domain/cache-words.ts); null when read. */
  cacheNote: string | null;
  at: string | null;
  head: boolean;
  lane: number;
  /** The edge into this node; null for the very first node. */
  incoming: { from: string | null; kind: EdgeKind } | null;
}

export interface VersionGroup {
  versionNumber: number;
  version: VersionView | null;
  nodes: ChainNode[];
  attempts: AttemptRecord[];
}

export interface ChainGraph {
  groups: VersionGroup[];
  lanes: number;
  nodes: ChainNode[];
}

/** The step a running job is on, from its live events. */
export interface LiveStep {
  versionNumber: number;
  step: string;
  sessionIdIn: string | null;
}

const MAIN = new Set(["build", "update"]);
/** Steps that fork an earlier version's session (a restore, a branch's first version), and their edges. */
const FORKS: Record<string, EdgeKind> = { restore: "restored", branch: "branch" };

function freshEdgeKind(reason: string | null): EdgeKind {
  if (reason === null) return "new";
  if (reason.startsWith("fallback:")) return "fallback";
  if (reason.startsWith("reset_requested")) return "reset";
  return "new";
}

export interface ChainInput {
  operations: readonly OperationRecord[];
  attempts: readonly AttemptRecord[];
  versions: readonly VersionView[];
  headSessionId: string | null;
  live: LiveStep | null;
}

export function buildChain(input: ChainInput): ChainGraph {
  const versions = new Map(input.versions.map((v) => [v.versionNumber, v]));
  const nodes: ChainNode[] = [];
  const byOut = new Map<string, ChainNode>();
  /** Per lane, the node at its tip: a child of the tip continues the lane, any other child opens one. */
  const tips: string[] = [];
  let previous: ChainNode | null = null;
  let previousStep = "";

  const place = (node: Omit<ChainNode, "lane" | "incoming">): void => {
    const version = versions.get(node.versionNumber) ?? null;
    let incoming: ChainNode["incoming"] = null;
    let lane = 0;
    if (node.sessionIdIn !== null) {
      const parent = byOut.get(node.sessionIdIn) ?? null;
      const fork = FORKS[node.operation];
      incoming = { from: parent?.key ?? null, kind: fork ?? (node.sessionIdOut === null || node.sessionIdOut === node.sessionIdIn ? "resumed" : "forked") };
      if (parent !== null) {
        lane = tips[parent.lane] === parent.key ? parent.lane : tips.length;
      }
    } else if (previous !== null) {
      incoming = { from: previous.key, kind: freshEdgeKind(version?.resumeReason ?? null) };
      lane = previous.lane;
    }
    const placed: ChainNode = { ...node, lane, incoming };
    tips[lane] = placed.key;
    nodes.push(placed);
    if (placed.sessionIdOut !== null) byOut.set(placed.sessionIdOut, placed);
    previous = placed;
  };

  const decisionFor = (versionNumber: number, operation: string): Decision => {
    const version = versions.get(versionNumber);
    if (MAIN.has(operation)) return explainDecision(version?.resumeDecision ?? null, version?.resumeReason ?? null);
    if (FORKS[operation] !== undefined) return { kind: "resumed", title: operation === "restore" ? "Restored" : "Branched", reason: version?.resumeReason ?? "a fork of an earlier version's session" };
    return { kind: "resumed", title: "Resumed", reason: `continues the ${stepName(previousStep)} step's session` };
  };

  for (const op of input.operations) {
    place({
      key: `op:${op.id}`,
      versionNumber: op.versionNumber,
      operation: op.operation,
      status: "done",
      sessionIdIn: op.sessionIdIn,
      sessionIdOut: op.sessionIdOut,
      decision: decisionFor(op.versionNumber, op.operation),
      usage: {
        costUsd: op.costUsd, cacheReadInputTokens: op.cacheReadInputTokens, cacheCreationInputTokens: op.cacheCreationInputTokens,
        inputTokens: op.inputTokens, outputTokens: op.outputTokens, durationMs: op.durationMs,
      },
      cacheMisses: missesByCause(op),
      cacheNote: op.cacheNote,
      at: op.at,
      head: op.sessionIdOut !== null && op.sessionIdOut === input.headSessionId,
    });
    previousStep = op.operation;
  }

  const live = input.live;
  if (live !== null && !nodes.some((n) => n.versionNumber === live.versionNumber && n.operation === live.step)) {
    place({
      key: `live:${live.versionNumber}:${live.step}`,
      versionNumber: live.versionNumber,
      operation: live.step,
      status: "running",
      sessionIdIn: live.sessionIdIn,
      sessionIdOut: null,
      decision: decisionFor(live.versionNumber, live.step),
      usage: null,
      cacheMisses: [],
      cacheNote: null,
      at: null,
      head: false,
    });
  }

  // Only the latest head marker counts (an id can only be the head once).
  let headSeen = false;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    if (node === undefined) continue;
    if (node.head && headSeen) node.head = false;
    if (node.head) headSeen = true;
  }

  // Every version has a place on the timeline, with or without operations (queued, failed).
  const groups = new Map<number, VersionGroup>();
  const numbers = [...new Set([...input.versions.map((v) => v.versionNumber), ...nodes.map((n) => n.versionNumber)])].sort((a, b) => a - b);
  for (const n of numbers) groups.set(n, { versionNumber: n, version: versions.get(n) ?? null, nodes: [], attempts: [] });
  for (const node of nodes) {
    groups.get(node.versionNumber)?.nodes.push(node);
  }
  for (const attempt of input.attempts) {
    if (attempt.versionNumber === null) continue;
    groups.get(attempt.versionNumber)?.attempts.push(attempt);
  }
  return { groups: [...groups.values()], lanes: Math.max(1, tips.length), nodes };
}

/** The step's miss tokens summed per cause, largest first. */
function missesByCause(op: OperationRecord): { cause: string; tokens: number }[] {
  const sums = new Map<string, number>();
  for (const miss of op.cache?.misses ?? []) sums.set(miss.cause, (sums.get(miss.cause) ?? 0) + miss.tokens);
  return [...sums].map(([cause, tokens]) => ({ cause, tokens })).sort((a, b) => b.tokens - a.tokens);
}
