// The context-quality rule (docs/benchmark.md): an update is done right when the workspace
// after it is exactly the workspace the reference executor computes from the workspace
// before it, the update's prompt and every earlier labelled request (every file, byte for
// byte; no file missing, none extra). Each update is judged from the state it started in,
// so one mistake is counted once, not again in every later update. A failed job counts as
// not done right. The score of a mode is the share of its updates done right.
import { versionLabel } from "../container/src/prompts.ts";
import { referenceApply } from "../scripts/simulator/reference.ts";
import type { Files, LabelledRequest } from "../scripts/simulator/reference.ts";

export type { LabelledRequest } from "../scripts/simulator/reference.ts";

/** The reference executor's contract: the correct files after `prompt`, knowing every earlier request. */
export type Reference = (files: Readonly<Files>, prompt: string, history: readonly LabelledRequest[]) => Files;

export interface Verdict {
  right: boolean;
  /** Paths that differ from the expected workspace (at most 5 of each), for reading a failure. */
  missing: string[];
  unexpected: string[];
  different: string[];
}

export function compareFiles(actual: Readonly<Files>, expected: Readonly<Files>): Verdict {
  const has = (files: Readonly<Files>, p: string): boolean => Object.hasOwn(files, p);
  const missing = Object.keys(expected).filter((p) => !has(actual, p));
  const unexpected = Object.keys(actual).filter((p) => !has(expected, p));
  const different = Object.keys(expected).filter((p) => has(actual, p) && actual[p] !== expected[p]);
  return { right: missing.length + unexpected.length + different.length === 0, missing: missing.slice(0, 5), unexpected: unexpected.slice(0, 5), different: different.slice(0, 5) };
}

/** The simulator's reference executor (scripts/simulator/reference.ts) for a scenario's seed. */
export function simulatorReference(seed: number): Reference {
  return (files, prompt, history) => referenceApply(files, prompt, history, { seed });
}

/** `history`: the requests before this one (the create is version 1); the prompt is labelled as the runner labels it. */
export function judge(reference: Reference, before: Readonly<Files>, after: Readonly<Files>, version: number, prompt: string, history: readonly LabelledRequest[], succeeded: boolean): Verdict {
  const verdict = compareFiles(after, reference(before, `${versionLabel(version)}\n${prompt}`, history));
  return succeeded ? verdict : { ...verdict, right: false };
}
