// A small SVG chart writer (lines and points, linear or log x axis), enough for the
// benchmark's plots: no plotting dependency for two chart types, and the output is plain
// text that diffs and renders anywhere (GitHub, a browser).
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  /** Join the points with a line (else points only). */
  line: boolean;
}

export interface Tick {
  value: number;
  label: string;
}

export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  xLog?: boolean;
  /** Fixed ticks for the x axis (else computed). */
  xTicks?: readonly Tick[];
  /** Dashed vertical markers with a label (e.g. a cache TTL). */
  markers?: readonly Tick[];
  yFormat?: (v: number) => string;
}

const W = 760;
const H = 440;
const M = { left: 74, right: 160, top: 40, bottom: 56 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const r1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** About five round ticks covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? raw);
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.round(v / step) * step);
  return ticks;
}

export function renderChart(c: Chart): string {
  const points = c.series.flatMap((s) => s.points);
  const xs = points.map((p) => p[0]).filter((x) => !c.xLog || x > 0);
  const ys = points.map((p) => p[1]);
  const tx = (x: number): number => (c.xLog === true ? Math.log10(Math.max(x, 1e-9)) : x);
  const fixed = c.xTicks?.map((t) => t.value) ?? [];
  let x0 = Math.min(...xs.map(tx), ...fixed.map(tx));
  let x1 = Math.max(...xs.map(tx), ...fixed.map(tx));
  if (!Number.isFinite(x0) || !Number.isFinite(x1)) [x0, x1] = [0, 1];
  if (x1 === x0) x1 = x0 + 1;
  const yTicks = niceTicks(0, Math.max(...ys, 1e-9));
  const y1 = Math.max(...yTicks, ...ys);
  const px = (x: number): number => M.left + ((tx(x) - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (y: number): number => H - M.bottom - (y / y1) * (H - M.top - M.bottom);
  const fmtY = c.yFormat ?? ((v: number) => String(v));
  const xTicks: readonly Tick[] = c.xTicks ?? niceTicks(x0, x1).map((v) => ({ value: v, label: String(v) }));

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(c.title)}</text>`,
  ];
  for (const t of yTicks) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${r1(py(t))}" y2="${r1(py(t))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${r1(py(t) + 4)}" text-anchor="end">${esc(fmtY(t))}</text>`);
  }
  for (const t of xTicks) {
    out.push(`<line x1="${r1(px(t.value))}" x2="${r1(px(t.value))}" y1="${H - M.bottom}" y2="${H - M.bottom + 5}" stroke="#333"/>`);
    out.push(`<text x="${r1(px(t.value))}" y="${H - M.bottom + 18}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  for (const m of c.markers ?? []) {
    out.push(`<line x1="${r1(px(m.value))}" x2="${r1(px(m.value))}" y1="${M.top}" y2="${H - M.bottom}" stroke="#999" stroke-dasharray="4 4"/>`);
    out.push(`<text x="${r1(px(m.value) + 3)}" y="${M.top + 10}" fill="#666" font-size="10">${esc(m.label)}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#333"/>`);
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 14}" text-anchor="middle">${esc(c.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`);
  c.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] ?? "#000";
    const pts = s.points.filter((p) => c.xLog !== true || p[0] > 0);
    if (s.line && pts.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${r1(px(p[0]))},${r1(py(p[1]))}`).join(" ")}"/>`);
    for (const p of pts) out.push(`<circle cx="${r1(px(p[0]))}" cy="${r1(py(p[1]))}" r="${s.line ? 2.5 : 3.5}" fill="${color}" fill-opacity="${s.line ? 1 : 0.6}"/>`);
    const ly = M.top + 10 + i * 20;
    out.push(`<rect x="${W - M.right + 14}" y="${ly - 8}" width="14" height="4" fill="${color}"/>`);
    out.push(`<text x="${W - M.right + 34}" y="${ly - 2}">${esc(s.name)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
