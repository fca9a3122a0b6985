// The workload of one scenario, in the simulator's instruction language
// (docs/simulator.md): a create that scaffolds the project, then updates of two kinds.
// - Ordinary edits: one append and one or two replaces in 2-3 modules chosen with the seed.
//   Most name what to change, as users write (`replace in the price badge feature: …`: a
//   session that does not hold the module searches for it); the rest name the file.
// - Context-dependent updates, which name earlier work instead of spelling it out:
//   `undo version <N>`, `make the same edit you made to <path or feature> in <other>`,
//   `rename what you added last time to <name>`. A model can carry them out only if that
//   work is in its context (or in a handoff it was given).
// Same seed, same prompts, in every mode. Version numbers are the product's: the create is
// version 1, update n is version n + 1 (the runner labels each request with it).
import { featureName } from "../scripts/simulator/features.ts";
import { scaffoldFileName } from "../scripts/simulator/scaffold.ts";
import { prng } from "./stats.ts";

export type UpdateKind = "edit" | "undo" | "same-edit" | "rename";
export const UPDATE_KINDS: readonly UpdateKind[] = ["edit", "undo", "same-edit", "rename"];

export interface UpdateSpec {
  /** 1-based position in the chain. */
  n: number;
  version: number;
  kind: UpdateKind;
  prompt: string;
  /** Files the update is meant to change. */
  files: string[];
  /** How an ordinary edit names what to change: the feature (found by search) or the file; null for context-dependent updates. */
  names: "feature" | "path" | null;
  /** The version a context-dependent update refers to. */
  refersTo: number | null;
}

export interface Workload {
  createPrompt: string;
  updates: UpdateSpec[];
}

export interface WorkloadShape {
  files: number;
  /** Size range of the scaffolded files in KB; null: the simulator's default (~1 KB). */
  fileKb: readonly [number, number] | null;
  updates: number;
  seed: number;
  /** Chance that an update after an ordinary edit is context-dependent. */
  contextChance: number;
  /** Share of ordinary edits that name features instead of files (0: the file-naming workload). */
  featureShare: number;
}

const DIR = "src";
/** Lines every scaffolded module contains exactly once (scripts/simulator/scaffold.ts). */
const ANCHORS = ["label: string;", "limit: number;", "enabled: boolean;"] as const;
/** How far back an undo may reach (versions). */
const UNDO_REACH = 10;

interface Edit {
  version: number;
  /** file → what was done to it, as the instruction line without the path. */
  changes: Map<string, string>;
  /** file → the feature the request named it by; absent when the request named the file. */
  features: Map<string, string>;
  appended: { file: string; name: string } | null;
}

export function createPrompt(files: number, fileKb: WorkloadShape["fileKb"]): string {
  const size = fileKb === null ? "" : ` of ${fileKb[0]}-${fileKb[1]} KB`;
  return `Build the project.\nscaffold ${files} files${size} under ${DIR}`;
}

export function workload(shape: WorkloadShape): Workload {
  const random = prng(shape.seed);
  const path = (index: number): string => `${DIR}/${scaffoldFileName(index, shape.files)}`;
  const featureOf = new Map(Array.from({ length: shape.files }, (_, i) => [path(i + 1), featureName(i + 1)] as const));
  const pick = (exclude: ReadonlySet<string>): string => {
    for (;;) {
      const p = path(1 + Math.floor(random() * shape.files));
      if (!exclude.has(p)) return p;
    }
  };
  const lastChanged = new Map<string, number>();
  const edits: Edit[] = [];
  const undone = new Set<number>();
  const updates: UpdateSpec[] = [];
  let kindTurn = Math.floor(random() * 3);

  const ordinary = (n: number, version: number): UpdateSpec => {
    const count = random() < 0.5 ? 2 : 3;
    const files: string[] = [];
    while (files.length < count) files.push(pick(new Set(files)));
    const [first = "", ...rest] = files;
    const byFeature = random() < shape.featureShare;
    const features = new Map(byFeature ? files.map((f) => [f, featureOf.get(f) ?? ""] as const) : []);
    const where = (file: string, preposition: string): string => {
      const feature = features.get(file);
      return feature === undefined ? `${preposition} ${file}` : `${preposition} the ${feature} feature`;
    };
    const name = `note${version}`;
    const changes = new Map<string, string>([[first, `append: export const ${name} = "version ${version}";`]]);
    const intro = byFeature ? `Small changes to the ${[...features.values()].join(", the ")}.` : `Small changes to a few modules.`;
    const lines = [intro, `${where(first, "append to")}: export const ${name} = "version ${version}";`];
    rest.forEach((file, i) => {
      const anchor = ANCHORS[(version + i) % ANCHORS.length] ?? ANCHORS[0];
      lines.push(`${where(file, "replace in")}: ${anchor} => ${anchor} // version ${version}`);
      changes.set(file, `replace: ${anchor}`);
    });
    edits.push({ version, changes, features, appended: { file: first, name } });
    return { n, version, kind: "edit", prompt: lines.join("\n"), files, refersTo: null, names: byFeature ? "feature" : "path" };
  };

  const contextual = (n: number, version: number): UpdateSpec | null => {
    const previous = updates.at(-1);
    const recent = edits.at(-1);
    for (let tries = 0; tries < 3; tries++) {
      const kind = (["undo", "same-edit", "rename"] as const)[(kindTurn + tries) % 3] ?? "rename";
      if (kind === "rename" && previous?.kind === "edit" && recent?.appended != null) {
        const { file } = recent.appended;
        kindTurn += tries + 1;
        return { n, version, kind, prompt: `rename what you added last time to renamed${version}`, files: [file], refersTo: recent.version, names: null };
      }
      if (kind === "same-edit" && recent !== undefined) {
        const changed = [...recent.changes.keys()];
        const from = changed[Math.floor(random() * changed.length)];
        if (from === undefined) continue;
        const to = pick(new Set(recent.changes.keys()));
        kindTurn += tries + 1;
        // Named the way the earlier request named it: by feature, or by file.
        const fromFeature = recent.features.get(from);
        const prompt = fromFeature === undefined ? `make the same edit you made to ${from} in ${to}` : `make the same edit you made to the ${fromFeature} feature in the ${featureOf.get(to) ?? ""} feature`;
        return { n, version, kind, prompt, files: [to], refersTo: recent.version, names: null };
      }
      if (kind === "undo") {
        // A clean undo: an edit no later update touched, not undone yet, within reach.
        const clean = edits.filter((e) =>
          version - e.version <= UNDO_REACH && !undone.has(e.version) && [...e.changes.keys()].every((f) => (lastChanged.get(f) ?? 0) <= e.version));
        const target = clean[Math.floor(random() * clean.length)];
        if (target === undefined) continue;
        undone.add(target.version);
        kindTurn += tries + 1;
        return { n, version, kind, prompt: `undo version ${target.version}`, files: [...target.changes.keys()], refersTo: target.version, names: null };
      }
    }
    return null;
  };

  for (let n = 1; n <= shape.updates; n++) {
    const version = n + 1;
    const afterEdit = updates.at(-1)?.kind === "edit";
    const update = (afterEdit && random() < shape.contextChance ? contextual(n, version) : null) ?? ordinary(n, version);
    for (const f of update.files) lastChanged.set(f, version);
    updates.push(update);
  }
  return { createPrompt: createPrompt(shape.files, shape.fileKb), updates };
}
