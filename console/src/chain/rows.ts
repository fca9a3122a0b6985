// The chain graph as rows (version headers and operation nodes) with, for each row, the
// line segments of every lane: the lines are drawn per row, so rows can be as tall as
// their text needs (narrow screens wrap) and the picture still joins up.
import type { ChainGraph, ChainNode, EdgeKind, VersionGroup } from "./model.ts";

export interface Segment {
  lane: number;
  /** Which part of the row the line covers: top→dot, dot→bottom, or all of it. */
  part: "in" | "out" | "through";
  kind: EdgeKind;
}

/** A line from another lane into this node (a branch or restore); drawn from the row's top. */
export interface Connector {
  fromLane: number;
  toLane: number;
  kind: EdgeKind;
}

export type Row =
  | { type: "version"; key: string; group: VersionGroup; segments: Segment[] }
  | { type: "node"; key: string; node: ChainNode; segments: Segment[]; connector: Connector | null };

export function chainRows(graph: ChainGraph): Row[] {
  const rows: Row[] = [];
  for (const group of graph.groups) {
    rows.push({ type: "version", key: `v${group.versionNumber}`, group, segments: [] });
    for (const node of group.nodes) rows.push({ type: "node", key: node.key, node, segments: [], connector: null });
  }
  const index = new Map<string, number>();
  rows.forEach((row, i) => { if (row.type === "node") index.set(row.node.key, i); });
  const nodesByKey = new Map(graph.nodes.map((n) => [n.key, n]));

  for (let lane = 0; lane < graph.lanes; lane++) {
    const inLane = graph.nodes.filter((n) => n.lane === lane);
    for (let i = 1; i < inLane.length; i++) {
      const a = inLane[i - 1];
      const b = inLane[i];
      if (a === undefined || b === undefined) continue;
      const ra = index.get(a.key) ?? 0;
      const rb = index.get(b.key) ?? 0;
      const kind = b.incoming?.kind ?? "new";
      rows[ra]?.segments.push({ lane, part: "out", kind });
      for (let r = ra + 1; r < rb; r++) rows[r]?.segments.push({ lane, part: "through", kind });
      rows[rb]?.segments.push({ lane, part: "in", kind });
    }
    // A lane that starts from a node in another lane: a connector into its first node.
    const first = inLane[0];
    const from = first?.incoming?.from === undefined || first.incoming.from === null ? undefined : nodesByKey.get(first.incoming.from);
    if (first !== undefined && from !== undefined && from.lane !== lane) {
      const row = rows[index.get(first.key) ?? -1];
      if (row?.type === "node") row.connector = { fromLane: from.lane, toLane: lane, kind: first.incoming?.kind ?? "branch" };
    }
  }
  return rows;
}
