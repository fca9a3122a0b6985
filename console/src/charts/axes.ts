// Axis labels that fit: time ticks far enough apart to never touch, a y axis as wide as its
// longest label (uPlot's fixed size clipped "$0.0123"), and where each label was drawn, for
// the browser test (canvas text has no DOM box to measure).
import type uPlot from "uplot";

/** One font for drawing and for measuring, so the measured width is the drawn one. */
export const AXIS_FONT = "12px system-ui, sans-serif";
/** uPlot's defaults for tick length and the gap between tick and label (CSS px). */
const TICK = 10;
const GAP = 5;
/** Minimum distance between time ticks (CSS px): "15 Jan" or "08:00:00" is about 55 px wide at 12 px. */
export const TIME_SPACE = 90;

const pad = (n: number): string => String(n).padStart(2, "0");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const day = (d: Date): string => `${d.getDate()} ${MONTHS[d.getMonth()] ?? ""}`;

/**
 * Time tick labels (epoch seconds, local time): days as "15 Jan"; within a day "08:00" (or
 * "08:00:30" below a minute's step), with the date on a second line at the first tick and
 * wherever the day changes, so one label never carries both on one long line.
 */
export function timeLabels(splits: readonly number[], step: number): string[] {
  let lastDay = "";
  return splits.map((s) => {
    const d = new Date(s * 1000);
    if (step >= 86_400) return day(d);
    const time = step < 60 ? `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    const today = day(d);
    const label = today === lastDay ? time : `${time}\n${today}`;
    lastDay = today;
    return label;
  });
}

let measurer: CanvasRenderingContext2D | null = null;
/** Width of a (possibly multi-line) label in CSS px, in AXIS_FONT. */
export function labelWidth(text: string): number {
  measurer ??= document.createElement("canvas").getContext("2d");
  if (measurer === null) return text.length * 7;
  measurer.font = AXIS_FONT;
  const ctx = measurer;
  return Math.max(0, ...text.split("\n").map((line) => ctx.measureText(line).width));
}

/** The y axis's width: its longest label, the tick and the gap, and a little air. */
export function yAxisSize(_u: uPlot, values: string[] | null): number {
  const longest = Math.max(0, ...(values ?? []).map(labelWidth));
  return Math.ceil(longest + TICK + GAP + 4);
}

export interface LabelBox {
  text: string;
  /** CSS px from the plotting area's left edge (negative: left of it, over the y axis). */
  left: number;
  right: number;
}

/**
 * Where the last draw put each axis label, horizontally, relative to the plotting area:
 * x labels are centred on their tick, y labels end TICK + GAP left of the area.
 */
export function labelBoxes(u: uPlot, x: { splits: number[]; values: string[] }, y: { values: string[] }): { x: LabelBox[]; y: LabelBox[] } {
  const xs = x.splits.map((split, i) => {
    const text = x.values[i] ?? "";
    const centre = u.valToPos(split, "x");
    const w = labelWidth(text);
    return { text, left: centre - w / 2, right: centre + w / 2 };
  }).filter((b) => b.text !== "");
  const ys = y.values.map((text) => ({ text, left: -(TICK + GAP) - labelWidth(text), right: -(TICK + GAP) }));
  return { x: xs, y: ys };
}
