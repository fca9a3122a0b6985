// `scaffold N files of A-B KB under DIR` (the benchmark's large project): the usual
// module (scaffold.ts) grown to a size drawn with the seed between A and B KB by appending
// small helper functions. The helpers contain none of the module's one-off lines (the
// anchors edits aim at), so edits behave as on the small modules.
import { createHash } from "node:crypto";
import { mulberry32 } from "../prng.ts";
import { scaffoldContent } from "./scaffold.ts";

export type SizeKb = readonly [min: number, max: number];

function prng(seedText: string): () => number {
  return mulberry32(createHash("sha256").update(seedText).digest().readUInt32LE(0));
}

/** The content of scaffolded file `index`: the plain module, or with `kb`, that module grown to its drawn size. */
export function scaffoldFile(seed: number, dir: string, index: number, count: number, kb: SizeKb | null): string {
  const base = scaffoldContent(seed, dir, index, count);
  if (kb === null) return base;
  const random = prng(`${seed}:${dir}:${index}:size`);
  const target = Math.round((kb[0] + random() * (kb[1] - kb[0])) * 1024);
  const suffix = String(index).padStart(2, "0");
  const parts = [base];
  let size = Buffer.byteLength(base);
  for (let k = 1; size < target; k++) {
    const helper = [
      `/** Helper ${k} of module ${suffix}: mixes the weights with a step of ${1 + Math.floor(random() * 89)}. */`,
      `export function helper${suffix}x${k}(input: number): number {`,
      `  let acc = ${Math.floor(random() * 9973)};`,
      `  for (const w of weights) acc = (acc * ${3 + Math.floor(random() * 97)} + w * input + ${k}) % ${10_007 + Math.floor(random() * 90_000)};`,
      `  return acc;`,
      `}`,
      ``,
    ].join("\n");
    parts.push(helper);
    size += Buffer.byteLength(helper) + 1;
  }
  return parts.join("\n");
}
