// The plots written next to results.json, per project size, one series per mode:
// cost per update against update number (mean over the size's seeds), and against the
// pause before the update (every update, log time axis, the cache TTLs and the stale rule
// marked).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mean } from "./stats.ts";
import { renderChart } from "./svg.ts";
import type { Chart } from "./svg.ts";
import type { ChainResult } from "./types.ts";

const MIN = 60_000;
const usd = (v: number): string => `$${v.toFixed(v < 0.1 ? 3 : 2)}`;

export function costByUpdate(files: number, modes: readonly string[], chains: readonly ChainResult[]): Chart {
  return {
    title: `Cost per update, ${files}-file project (mean over seeds)`,
    xLabel: "update number",
    yLabel: "Claude Code cost per update (USD)",
    yFormat: usd,
    series: modes.map((mode) => {
      const mine = chains.filter((c) => c.mode === mode);
      const count = Math.max(0, ...mine.map((c) => c.updates.length));
      const points = Array.from({ length: count }, (_, i): [number, number] => [i + 1, mean(mine.flatMap((c) => c.updates[i]?.costUsd ?? [])) ?? 0]);
      return { name: mode, points, line: true };
    }),
  };
}

export function costByPause(files: number, modes: readonly string[], chains: readonly ChainResult[]): Chart {
  return {
    title: `Cost per update against the pause before it, ${files}-file project`,
    xLabel: "pause before the update (log scale)",
    yLabel: "Claude Code cost per update (USD)",
    yFormat: usd,
    xLog: true,
    xTicks: [
      { value: 0.5, label: "30 s" }, { value: 5, label: "5 min" }, { value: 60, label: "1 h" }, { value: 600, label: "10 h" },
      { value: 1440, label: "1 day" }, { value: 4 * 1440, label: "4 days" },
    ],
    markers: [{ value: 5, label: "5-min TTL" }, { value: 60, label: "1-h TTL" }, { value: 1440, label: "stale (24 h)" }],
    series: modes.map((mode) => ({
      name: mode,
      points: chains.filter((c) => c.mode === mode).flatMap((c) => c.updates.map((u): [number, number] => [Math.max(u.pauseMs, 1) / MIN, u.costUsd])),
      line: false,
    })),
  };
}

/** Writes the plots into `dir`; returns the file names. */
export async function writePlots(dir: string, modes: readonly string[], chains: readonly ChainResult[], filesOf: (scenario: string) => number): Promise<string[]> {
  const sizes = [...new Set(chains.map((c) => filesOf(c.scenario)))].sort((a, b) => a - b);
  const written: string[] = [];
  for (const files of sizes) {
    const mine = chains.filter((c) => filesOf(c.scenario) === files);
    for (const [name, chart] of [[`cost-by-update-${files}-files.svg`, costByUpdate(files, modes, mine)], [`cost-by-pause-${files}-files.svg`, costByPause(files, modes, mine)]] as const) {
      await writeFile(join(dir, name), renderChart(chart));
      written.push(name);
    }
  }
  return written;
}
