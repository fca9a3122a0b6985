// The workload mixes (issue #15 item 4): the long form measures the headline mix and the
// file-naming one, every figure is reported per mix, and a results file from before mixes
// reads as its one mix.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { mixesOf, mixSideBySide, targetsByMix } from "../../bench/mix-report.ts";
import { DEFAULT_FEATURE_SHARE, FILE_NAMING_SHARE, mixOf } from "../../bench/mixes.ts";
import { parseOptions } from "../../bench/options.ts";
import { scenarios, SIZES } from "../../bench/scenarios.ts";
import type { BenchResults } from "../../bench/types.ts";

const RESULTS = fileURLToPath(new URL("../../bench/results.json", import.meta.url));

describe("workload mixes", () => {
  it("the long form runs both mixes, headline first; --feature-share picks them; the tiny run one", () => {
    expect(parseOptions([], {}, "/tmp/r.json").featureShares).toEqual([DEFAULT_FEATURE_SHARE, FILE_NAMING_SHARE]);
    expect(parseOptions(["--feature-share", "0.5,0,0.5"], {}, "/tmp/r.json").featureShares).toEqual([0.5, 0]);
    expect(parseOptions([], { BENCH_FEATURE_SHARE: "0" }, "/tmp/r.json").featureShares).toEqual([0]);
    expect(parseOptions(["--tiny"], {}, "/tmp/r.json").featureShares).toEqual([DEFAULT_FEATURE_SHARE]);
    expect(() => parseOptions(["--feature-share", "1.5"], {}, "/tmp/r.json")).toThrow(/shares/);
  });

  it("scenario names carry the mix only when more than one runs, so one-mix names stay comparable", () => {
    const small = SIZES["small"];
    if (small === undefined) throw new Error("no small size");
    const one = scenarios([small], [1], 4, [mixOf(0.75)]);
    expect(one.map((s) => s.name)).toEqual(["30-files-seed-1"]);
    const two = scenarios([small], [1, 2], 4, [mixOf(0.75), mixOf(0)]);
    expect(two.map((s) => s.name).sort()).toEqual(["30-files-seed-1-features-75", "30-files-seed-1-paths", "30-files-seed-2-features-75", "30-files-seed-2-paths"]);
    expect(new Set(two.map((s) => s.mix.featureShare))).toEqual(new Set([0.75, 0]));
  });

  it("a results file without mixes reads as its one mix, and the tables render from it", () => {
    const r = JSON.parse(readFileSync(RESULTS, "utf8")) as BenchResults;
    const mixes = mixesOf(r);
    expect(mixes.length).toBeGreaterThanOrEqual(1);
    expect(mixes[0]?.summary).toEqual(r.summary);
    expect(mixSideBySide(r).split("\n").length).toBe(2 + Object.keys(r.summary).length);
    if (r.policy !== null) expect(targetsByMix(r)).toContain("cost vs legacy");
  });
});
