// The reference workload: a create that scaffolds a project of `files` modules, then
// `updates` updates that each touch 2-3 existing files (one append, one or two replaces),
// in the simulator's instruction language (docs/simulator.md). Same seed, same prompts.
import { scaffoldFileName } from "../scripts/simulator/scaffold.ts";
import { prng } from "./stats.ts";

export interface Workload {
  createPrompt: string;
  updates: { prompt: string; files: string[] }[];
}

const DIR = "src";
/** Lines every scaffolded module contains exactly once (scripts/simulator/scaffold.ts). */
const ANCHORS = ["label: string;", "limit: number;", "enabled: boolean;"] as const;

export function workload(files: number, updates: number, seed: number): Workload {
  const random = prng(seed);
  const path = (index: number): string => `${DIR}/${scaffoldFileName(index, files)}`;
  const list = [];
  for (let u = 1; u <= updates; u++) {
    const count = random() < 0.5 ? 2 : 3;
    const picked = new Set<number>();
    while (picked.size < count) picked.add(1 + Math.floor(random() * files));
    const [first, ...rest] = [...picked].map(path);
    const lines = [`Update ${u}: small changes to a few modules.`, `append to ${first}: export const note${u} = "update ${u}";`];
    rest.forEach((file, i) => {
      const anchor = ANCHORS[(u + i) % ANCHORS.length] ?? ANCHORS[0];
      lines.push(`replace in ${file}: ${anchor} => ${anchor} // update ${u}`);
    });
    list.push({ prompt: lines.join("\n"), files: [first ?? "", ...rest] });
  }
  return { createPrompt: `Build the project.\nscaffold ${files} files under ${DIR}`, updates: list };
}
