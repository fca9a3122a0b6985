import { describe, expect, it } from "vitest";
import type { OperationRecord, VersionView } from "../../console/src/api/types.ts";
import { buildChain } from "../../console/src/chain/model.ts";
import { chainRows } from "../../console/src/chain/rows.ts";

let nextId = 1;
function op(versionNumber: number, operation: OperationRecord["operation"], sessionIdIn: string | null, sessionIdOut: string): OperationRecord {
  return {
    id: nextId++, versionNumber, branch: "main", operation, sessionIdIn, sessionIdOut, inputTokens: 10, outputTokens: 5,
    cacheCreationInputTokens: 100, cacheReadInputTokens: 900, costUsd: 0.01, durationMs: 1000, numTurns: 1, toolCalls: 0, filesRead: 0,
    cache: null, cacheNote: null, at: new Date(1_800_000_000_000 + nextId * 1000).toISOString(),
  };
}

function version(versionNumber: number, kind: string, status: string, resumeDecision: string | null, resumeReason: string | null): VersionView {
  return {
    id: `ver_${versionNumber}`, versionNumber, branch: "main", restoredFrom: null, pinned: false, prunedAt: null, kind, status, prompt: `prompt ${versionNumber}`, jobId: `job_${versionNumber}`, aiSessionId: null,
    aiSessionCreatedAt: null, aiSessionLastUsedAt: null, resumeDecision, resumeReason, cacheNote: null, recommendations: null, documentation: null, documentationFromVersion: null, policy: null,
    usage: { inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, costUsd: 0, durationMs: 0 },
    errorCode: null, errorMessage: null, createdAt: "2027-01-15T08:00:00.000Z", completedAt: null,
  };
}

describe("buildChain", () => {
  const versions = [
    version(1, "create", "succeeded", "fresh", "no_session: the project has no session yet"),
    version(2, "update", "succeeded", "resume", "resumable"),
    version(3, "update", "succeeded", "fresh", "fallback:session_not_found"),
    version(4, "update", "running", "resume", "resumable"),
    version(5, "update", "queued", null, null),
  ];
  const operations = [
    op(1, "build", null, "s1"), op(1, "metadata", "s1", "s2"), op(1, "compact", "s2", "s2"),
    op(2, "update", "s2", "s3"), op(2, "metadata", "s3", "s4"),
    op(3, "update", null, "s5"), op(3, "metadata", "s5", "s6"),
  ];

  it("types every edge, marks the head and places versions without operations", () => {
    const graph = buildChain({ operations, attempts: [], versions, headSessionId: "s6", live: { versionNumber: 4, step: "update", sessionIdIn: "s6" } });
    expect(graph.nodes.map((n) => `${n.versionNumber}:${n.operation}:${n.incoming?.kind ?? "-"}`)).toEqual([
      "1:build:-", "1:metadata:forked", "1:compact:resumed", "2:update:forked", "2:metadata:forked", "3:update:fallback", "3:metadata:forked", "4:update:resumed",
    ]);
    expect(graph.nodes.filter((n) => n.head).map((n) => n.sessionIdOut)).toEqual(["s6"]);
    expect(graph.nodes.at(-1)).toMatchObject({ status: "running", usage: null });
    expect(graph.nodes[0]?.decision).toMatchObject({ title: "Fresh session", reason: "the project had no session yet" });
    expect(graph.nodes[3]?.decision.title).toBe("Resumed");
    expect(graph.nodes[5]?.decision.kind).toBe("fallback");
    expect(graph.groups.map((g) => `${g.versionNumber}:${g.nodes.length}`)).toEqual(["1:3", "2:2", "3:2", "4:1", "5:0"]);
    expect(graph.lanes).toBe(1);
  });

  it("opens a new lane for a session resumed from anything but the tip (a branch)", () => {
    const branched = [...operations, op(4, "update", "s3", "s7")];
    const graph = buildChain({ operations: branched, attempts: [], versions, headSessionId: "s7", live: null });
    const last = graph.nodes.at(-1);
    expect(last?.lane).toBe(1);
    expect(last?.incoming).toMatchObject({ kind: "forked", from: graph.nodes[3]?.key });
    expect(graph.lanes).toBe(2);
    const rows = chainRows(graph);
    const lastRow = rows.at(-2);
    expect(lastRow?.type === "node" ? lastRow.connector : null).toEqual({ fromLane: 0, toLane: 1, kind: "forked" });
  });

  it("a restore's fork of an earlier version's session is a `restored` edge on its own lane, explained by the version", () => {
    const restoredVersion = { ...version(6, "restore", "succeeded", "resume", "restored: version 1's files and a fork of its session"), restoredFrom: 1 };
    const graph = buildChain({ operations: [...operations, op(6, "restore", "s2", "s9")], attempts: [], versions: [...versions, restoredVersion], headSessionId: "s9", live: null });
    const last = graph.nodes.at(-1);
    expect(last?.incoming).toMatchObject({ kind: "restored", from: graph.nodes[2]?.key }); // v1 compaction left s2
    expect(last?.lane).toBe(1);
    expect(last?.decision).toEqual({ kind: "resumed", title: "Restored", reason: "restored: version 1's files and a fork of its session" });
  });

  it("draws a continuous line: every node after the first has an incoming segment in its lane", () => {
    const graph = buildChain({ operations, attempts: [], versions, headSessionId: "s6", live: null });
    const rows = chainRows(graph);
    const nodeRows = rows.filter((r) => r.type === "node");
    expect(nodeRows[0]?.segments.some((s) => s.part === "in")).toBe(false);
    for (const row of nodeRows.slice(1)) expect(row.segments.some((s) => s.part === "in" && s.lane === 0)).toBe(true);
    // The version header between v2 and v3 is crossed by v3's fallback edge.
    const header = rows.find((r) => r.type === "version" && r.group.versionNumber === 3);
    expect(header?.segments).toEqual([{ lane: 0, part: "through", kind: "fallback" }]);
  });

  it("a node carries its step's cache misses by cause and the API's words for a history written again", () => {
    const build = op(1, "build", null, "s1");
    const update: OperationRecord = {
      ...op(2, "update", "s1", "s2"),
      cache: {
        calls: 3, readTokens: 100, writeTokens: 5000, writeTokens1h: 0, moreMissTokens: 0,
        misses: [
          { cause: "ttl_expired", block: "message 5", tokens: 4000, call: 1, history: true, ageSeconds: 720, ttl: "5m", minTokens: null, detail: null },
          { cause: "unknown", block: "message 7", tokens: 300, call: 2, history: false, ageSeconds: null, ttl: null, minTokens: null, detail: null },
          { cause: "ttl_expired", block: "message 5", tokens: 500, call: 3, history: true, ageSeconds: 30, ttl: "5m", minTokens: null, detail: null },
        ],
      },
      cacheNote: "history written again: cache expired 12 min after its 5-minute write (4,500 tokens)",
    };
    const graph = buildChain({ operations: [build, update], attempts: [], versions: [], headSessionId: "s2", live: null });
    const node = graph.nodes.find((n) => n.operation === "update");
    expect(node?.cacheMisses).toEqual([{ cause: "ttl_expired", tokens: 4500 }, { cause: "unknown", tokens: 300 }]);
    expect(node?.cacheNote).toBe(update.cacheNote);
    expect(graph.nodes.find((n) => n.operation === "build")?.cacheNote).toBeNull();
  });
});
