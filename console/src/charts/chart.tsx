// One uPlot chart with what the issue asks of every chart: the numbers one hover away (a
// tooltip that follows the cursor, and arrow keys do the same for keyboard users), a table
// of all numbers behind a disclosure, and a fixed height so nothing moves when data comes.
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { AXIS_FONT, labelBoxes, TIME_SPACE, timeLabels, yAxisSize } from "./axes.ts";

export interface ChartSeries {
  label: string;
  /** CSS colour. */
  color: string;
  values: (number | null)[];
  /** Points only (a scatter), or bars. */
  style: "points" | "bars" | "line";
  dash?: number[];
}

export interface ChartProps {
  id: string;
  title: string;
  description: string;
  /** x values: epoch seconds (time) or 0..n-1 (categories). */
  x: number[];
  xKind: "time" | "category";
  categories?: string[];
  series: ChartSeries[];
  formatY: (value: number) => string;
  yRange?: [number, number];
  /** Counts: ticks at whole numbers only. */
  integerY?: boolean;
  /** Lines of the tooltip for the point at index i. */
  tooltip: (i: number) => string[];
  table: { columns: string[]; rows: string[][] };
  height?: number;
}

function options(props: ChartProps, width: number, onCursor: (i: number | null, left: number, top: number) => void): uPlot.Options {
  const height = props.height ?? 220;
  // The labels of the last draw, kept to publish where they went (labelBoxes).
  const drawn = { x: { splits: [] as number[], values: [] as string[] }, y: { values: [] as string[] } };
  return {
    width,
    height,
    legend: { show: true, live: false },
    cursor: { points: { size: 10 }, drag: { x: false, y: false } },
    scales: {
      // Time: a little room either side, and an hour around a single point (uPlot's own
      // default for one point spans 1000 days when x is in seconds).
      x: props.xKind === "time"
        ? { time: true, range: (u, min, max) => (u.data[0].length === 1 ? [min - 3600, min + 3600] : [min - (max - min) * 0.05, max + (max - min) * 0.05]) }
        : { time: false, range: [-0.5, Math.max(0.5, props.x.length - 0.5)] },
      y: props.yRange !== undefined ? { range: props.yRange } : { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
    },
    axes: [
      props.xKind === "time"
        ? {
          stroke: "#44506a", grid: { stroke: "#e3e7ef" }, font: AXIS_FONT, space: TIME_SPACE,
          values: (_u, splits, _axis, _space, step) => {
            const values = timeLabels(splits, step);
            drawn.x = { splits, values };
            return values;
          },
        }
        : { stroke: "#44506a", grid: { show: false }, font: AXIS_FONT, splits: () => props.x, values: (_u, splits) => splits.map((s) => props.categories?.[s] ?? "") },
      {
        stroke: "#44506a", grid: { stroke: "#e3e7ef" }, font: AXIS_FONT, size: yAxisSize,
        values: (_u, splits) => {
          const values = splits.map((v) => props.formatY(v));
          drawn.y = { values };
          return values;
        },
        ...(props.integerY === true ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10_000] } : {}),
      },
    ],
    series: [
      {},
      ...props.series.map((s): uPlot.Series => ({
        label: s.label,
        stroke: s.color,
        fill: s.style === "bars" ? s.color : undefined,
        width: s.style === "line" ? 2 : 1,
        ...(s.dash !== undefined ? { dash: s.dash } : {}),
        points: { show: s.style !== "bars", size: 9, fill: s.color },
        paths: s.style === "points" ? () => null : s.style === "bars" ? uPlot.paths.bars?.({ size: [0.6, 80] }) : undefined,
        spanGaps: s.style === "line",
      })),
    ],
    hooks: {
      draw: [(u) => { u.root.dataset["axisLabels"] = JSON.stringify(labelBoxes(u, drawn.x, drawn.y)); }],
      setCursor: [(u) => {
        const i = u.cursor.idx;
        // Relative to the chart's box: the plotting area sits right of the y axis.
        onCursor(i === null || i === undefined ? null : i, (u.cursor.left ?? 0) + u.over.offsetLeft, (u.cursor.top ?? 0) + u.over.offsetTop);
      }],
    },
  };
}

function aligned(props: ChartProps): uPlot.AlignedData {
  return [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData;
}

export function Chart(props: ChartProps): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [tip, setTip] = useState<{ i: number; left: number; top: number } | null>(null);
  const propsRef = useRef(props);
  propsRef.current = props;
  const height = props.height ?? 220;
  const shape = `${props.xKind}:${props.series.map((s) => `${s.label}/${s.style}`).join(",")}:${props.categories?.join(",") ?? ""}`;

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const u = new uPlot(options(propsRef.current, Math.max(200, el.clientWidth), (i, left, top) => setTip(i === null ? null : { i, left, top })), aligned(propsRef.current), el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(aligned(props));
  }, [props.x, props.series]);

  // Arrow keys move the cursor from point to point, as hovering does.
  const onKeyDown = (event: KeyboardEvent): void => {
    const u = plot.current;
    if (u === null || props.x.length === 0) return;
    const current = tip?.i ?? -1;
    let next = current;
    if (event.key === "ArrowRight") next = Math.min(props.x.length - 1, current + 1);
    else if (event.key === "ArrowLeft") next = Math.max(0, current <= 0 ? 0 : current - 1);
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = props.x.length - 1;
    else if (event.key === "Escape") {
      u.setCursor({ left: -10, top: -10 });
      setTip(null);
      return;
    } else return;
    event.preventDefault();
    const xv = props.x[next] ?? 0;
    const yv = props.series.map((s) => s.values[next]).find((v): v is number => typeof v === "number") ?? 0;
    u.setCursor({ left: u.valToPos(xv, "x"), top: u.valToPos(yv, "y") });
  };

  const lines = tip === null ? [] : props.tooltip(tip.i);
  const empty = props.x.length === 0;
  return (
    <figure class="chart card" aria-labelledby={`${props.id}-title`}>
      <figcaption>
        <h3 id={`${props.id}-title`}>{props.title}</h3>
        <p class="muted small" id={`${props.id}-desc`}>{props.description}</p>
      </figcaption>
      <div class="chart-area" style={{ minHeight: `${height + 40}px` }}>
        <div
          ref={box} class="chart-canvas" tabIndex={empty ? -1 : 0} role="img" data-testid={`chart-${props.id}`}
          aria-label={`${props.title}. Use the arrow keys to read each point, or open the table below.`}
          aria-describedby={`${props.id}-desc`} onKeyDown={onKeyDown} onBlur={() => setTip(null)}
        />
        {empty && <p class="chart-empty">No data yet.</p>}
        <div class="chart-tip" role="status" aria-live="polite" data-testid={`tip-${props.id}`} hidden={tip === null}
          style={tip === null ? undefined : { left: `${Math.max(0, Math.min(tip.left + 12, (box.current?.clientWidth ?? 300) - 190))}px`, top: `${Math.max(0, tip.top - 10)}px` }}>
          {lines.map((l, i) => <div key={i}>{l}</div>)}
        </div>
      </div>
      <details class="chart-table">
        <summary>Show the numbers ({props.table.rows.length} rows)</summary>
        <div class="table-scroll">
          <table>
            <thead><tr>{props.table.columns.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
            <tbody>{props.table.rows.map((r, i) => <tr key={i}>{r.map((cell, j) => <td key={j}>{cell}</td>)}</tr>)}</tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
