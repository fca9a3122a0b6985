// The scenarios: two project sizes, each with several seeds; every scenario runs once per
// mode (bench/modes.ts) with the same workload and pauses.
export interface ProjectSize {
  files: number;
  /** Size range of each scaffolded file in KB; null: the simulator's default (~1 KB). */
  fileKb: readonly [number, number] | null;
}

export interface Scenario extends ProjectSize {
  name: string;
  updates: number;
  seed: number;
}

export const SIZES: Readonly<Record<string, ProjectSize>> = {
  /** 30 modules of about 1 KB: a small app. */
  small: { files: 30, fileKb: null },
  /** 200 modules of 2-8 KB (about 1 MB): a real codebase that no session holds whole. */
  large: { files: 200, fileKb: [2, 8] },
};

export function scenarios(sizes: readonly ProjectSize[], seeds: readonly number[], updates: number): Scenario[] {
  return sizes.flatMap((size) => seeds.map((seed) => ({ ...size, name: `${size.files}-files-seed-${seed}`, updates, seed })));
}
