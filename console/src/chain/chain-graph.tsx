// The version timeline with the session chain drawn beside it. Lines and dots are
// decoration (aria-hidden): every row also says in words how it links to the one before.
import type { JSX } from "preact";
import { cacheHitRatio, dateTime, duration, shortId, tokens, usd } from "../lib/format.ts";
import { errorText, explainDecision, outcomeText, stepName } from "../lib/words.ts";
import type { ChainGraph, ChainNode, EdgeKind } from "./model.ts";
import { EDGE_KINDS, EDGE_TEXT } from "./model.ts";
import type { Row, Segment } from "./rows.ts";
import { chainRows } from "./rows.ts";

const LANE = 18;
const PAD = 12;
const DOT_Y = 21;

const ROUTINE = new Set(["forked", "resumed", "skipped", "stale"]);

const laneX = (lane: number): number => PAD + lane * LANE;

function Gutter({ lanes, segments, dot, connector }: { lanes: number; segments: Segment[]; dot: { lane: number; node: ChainNode } | null; connector: { fromLane: number; toLane: number; kind: EdgeKind } | null }): JSX.Element {
  const width = PAD * 2 + (lanes - 1) * LANE;
  return (
    <svg class="gutter" width={width} aria-hidden="true">
      {segments.map((s, i) => (
        <line key={i} class={`edge edge-${s.kind}`} x1={laneX(s.lane)} x2={laneX(s.lane)}
          y1={s.part === "out" ? DOT_Y : 0} y2={s.part === "in" ? DOT_Y : "100%"} />
      ))}
      {connector !== null && <path class={`edge edge-${connector.kind}`} d={`M ${laneX(connector.fromLane)} 0 C ${laneX(connector.fromLane)} ${DOT_Y} ${laneX(connector.toLane)} 0 ${laneX(connector.toLane)} ${DOT_Y}`} fill="none" />}
      {dot !== null && (
        <circle class={`dot dot-${dot.node.status}${dot.node.head ? " dot-head" : ""}`} cx={laneX(dot.lane)} cy={DOT_Y} r={dot.node.head ? 7 : 5.5} />
      )}
    </svg>
  );
}

/** How a node's session began, in words: the lines of the graph say the same. */
function edgeWords(node: ChainNode, graph: ChainGraph): string {
  if (node.incoming === null) return "first session of the project";
  const from = node.incoming.from === null ? null : graph.nodes.find((n) => n.key === node.incoming?.from) ?? null;
  const where = from === null ? "" : `v${from.versionNumber} ${stepName(from.operation)}`;
  if (node.status === "running") return node.sessionIdIn === null ? "starting a new session" : `resuming ${where || "the head"}`;
  const sessionEdge = node.incoming.kind === "resumed" || node.incoming.kind === "forked" || node.incoming.kind === "branch" || node.incoming.kind === "restored";
  return `${EDGE_TEXT[node.incoming.kind]}${where === "" ? "" : sessionEdge ? ` from ${where}` : ` after ${where}`}`;
}

function NodeRow({ node, graph }: { node: ChainNode; graph: ChainGraph }): JSX.Element {
  const u = node.usage;
  const hit = u === null ? null : cacheHitRatio(u);
  return (
    <div class="node-body" data-testid="chain-node" data-operation={node.operation} data-version={node.versionNumber}>
      <p class="node-title">
        <strong>{stepName(node.operation)}</strong>
        {node.incoming !== null && node.status === "done" && <span class={`edge-tag tag-${node.incoming.kind}`}>{node.incoming.kind}</span>}
        {node.head && <span class="badge badge-head">head</span>}
        {node.status === "running" && <span class="badge badge-live">running</span>}
      </p>
      <p class="node-decision"><strong>{node.decision.title}:</strong> {node.decision.reason}. <span class="muted">({edgeWords(node, graph)})</span></p>
      {node.cacheNote !== null && <p class="node-cache-note" data-testid="cache-note">{node.cacheNote}</p>}
      {u !== null ? (
        <dl class="numbers">
          <div><dt>Cost</dt><dd>{usd(u.costUsd)}</dd></div>
          <div><dt>Cache read</dt><dd>{tokens(u.cacheReadInputTokens)}</dd></div>
          <div><dt>Cache write</dt><dd>{tokens(u.cacheCreationInputTokens)}</dd></div>
          <div><dt>Cache hits</dt><dd>{hit === null ? "—" : `${Math.round(hit * 100)}%`}</dd></div>
          {node.cacheMisses.length > 0 && (
            <div><dt>Cache misses</dt><dd data-testid="cache-misses">{node.cacheMisses.map((m) => `${tokens(m.tokens)} ${m.cause.replace("_", " ")}`).join(", ")}</dd></div>
          )}
          <div><dt>Duration</dt><dd>{duration(u.durationMs)}</dd></div>
          <div><dt>Session</dt><dd title={node.sessionIdOut ?? ""}><code>{shortId(node.sessionIdOut)}</code></dd></div>
        </dl>
      ) : (
        <p class="muted small">Working… numbers appear when the step finishes.</p>
      )}
    </div>
  );
}

function VersionRow({ row }: { row: Extract<Row, { type: "version" }> }): JSX.Element {
  const { group } = row;
  const v = group.version;
  const decision = v === null ? null : explainDecision(v.resumeDecision, v.resumeReason);
  // What went wrong on the way (the decision itself is on the node already).
  const notable = group.attempts.filter((a) => !ROUTINE.has(a.outcome));
  return (
    <div class="version-body">
      <h3>
        v{group.versionNumber}{v !== null && <> · {v.kind} · <span class={`status status-${v.status}`}>{v.status}</span></>}
        {v !== null && v.branch !== "main" && <> · branch {v.branch}</>}
        {v !== null && v.restoredFrom !== null && <> · restored from v{v.restoredFrom}</>}
        {v !== null && v.pinned && <> · pinned</>}
        {v !== null && v.prunedAt !== null && <> · pruned</>}
      </h3>
      {v !== null && <p class="prompt" title={v.prompt}>“{v.prompt.length > 140 ? `${v.prompt.slice(0, 140)}…` : v.prompt}”</p>}
      {v !== null && (
        <p class="muted small">
          {v.status === "succeeded" || v.status === "failed" ? `${usd(v.usage.costUsd)} · ${duration(v.usage.durationMs)} · finished ${dateTime(v.completedAt)}` : `queued ${dateTime(v.createdAt)}`}
          {decision !== null && v.resumeDecision !== null && ` · ${decision.title.toLowerCase()}`}
        </p>
      )}
      {v?.status === "failed" && <p class="error-text" role="note">{errorText(v.errorCode, v.errorMessage)}</p>}
      {notable.length > 0 && (
        <ul class="attempts">
          {notable.map((a) => <li key={a.id}>{outcomeText(a.outcome)}: <span class="muted">{a.reason}</span></li>)}
        </ul>
      )}
    </div>
  );
}

export function ChainLegend(): JSX.Element {
  return (
    <details class="legend">
      <summary>How to read the chain</summary>
      <p>Each dot is one Claude operation; each version runs build or update, then metadata, then compaction. The line into a dot says how its session began:</p>
      <ul>
        {EDGE_KINDS.map((kind) => (
          <li key={kind}>
            <svg width="34" height="10" aria-hidden="true"><line class={`edge edge-${kind}`} x1="2" x2="32" y1="5" y2="5" /></svg> <strong>{kind}</strong>: {EDGE_TEXT[kind]}
          </li>
        ))}
      </ul>
      <p>The ringed dot is the head: the session the next update resumes.</p>
    </details>
  );
}

export function ChainGraphView({ graph }: { graph: ChainGraph }): JSX.Element {
  const rows = chainRows(graph);
  const gutter = PAD * 2 + (graph.lanes - 1) * LANE;
  return (
    <ol class="chain" aria-label="Versions and their session chain, oldest first" style={{ "--gutter": `${gutter}px` }}>
      {rows.map((row) => (
        <li key={row.key} class={`chain-row chain-${row.type}`}>
          <Gutter
            lanes={graph.lanes}
            segments={row.segments}
            dot={row.type === "node" ? { lane: row.node.lane, node: row.node } : null}
            connector={row.type === "node" ? row.connector : null}
          />
          {row.type === "node" ? <NodeRow node={row.node} graph={graph} /> : <VersionRow row={row} />}
        </li>
      ))}
    </ol>
  );
}
