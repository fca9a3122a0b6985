// The scenarios: two project sizes, each with several seeds; every scenario runs once per
// mode (bench/modes.ts) with the same workload and pauses, at each workload mix (bench/mixes.ts).
import type { Mix } from "./mixes.ts";

export interface ProjectSize {
  files: number;
  /** Size range of each scaffolded file in KB; null: the simulator's default (~1 KB). */
  fileKb: readonly [number, number] | null;
  /**
   * COMPACTION_THRESHOLD_TOKENS for this size: low enough that compaction fires within a
   * chain, not so low that it fires on nearly every update (docs/benchmark.md).
   */
  compactionThreshold: number;
}

export interface Scenario extends ProjectSize {
  name: string;
  updates: number;
  seed: number;
  /** The workload mix (bench/mixes.ts): its share of ordinary edits naming features. */
  mix: Mix;
}

export const SIZES: Readonly<Record<string, ProjectSize>> = {
  /**
   * 30 modules of about 1 KB: a small app. A resumed session starts near 12 K tokens and
   * grows about 2.3 K per update, and the stale rule restarts it after a day's pause, so it
   * rarely passes 50 K: 40 000 makes compaction fire once or twice per chain.
   */
  small: { files: 30, fileKb: null, compactionThreshold: 40_000 },
  /**
   * 200 modules of 2-8 KB (about 1 MB): a real codebase that no session holds whole. The
   * create leaves a session of about 290 K tokens and a resumed one grows about 16 K per
   * update: the product's default, 120 000, compacts after the create and every few updates.
   */
  large: { files: 200, fileKb: [2, 8], compactionThreshold: 120_000 },
};

/** Every size × seed × mix; the mix is in the name when the run has more than one. */
export function scenarios(sizes: readonly ProjectSize[], seeds: readonly number[], updates: number, mixes: readonly Mix[]): Scenario[] {
  return mixes.flatMap((mix) => sizes.flatMap((size) => seeds.map((seed) => ({
    ...size,
    name: `${size.files}-files-seed-${seed}${mixes.length > 1 ? `-${mix.name}` : ""}`,
    updates,
    seed,
    mix,
  }))));
}
