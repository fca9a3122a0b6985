// The instruction language the simulated model understands (docs/simulator.md): one
// instruction per line of the current request; other lines are prose and ignored. The
// feature forms name what to change, not where: the model finds the file (agent.ts). The
// last three forms refer to earlier requests and are carried out only with them in context
// (resolve.ts).
import type { SizeKb } from "./scaffold-size.ts";

export type Instruction =
  | { op: "create"; path: string; content: string }
  | { op: "append"; path: string; text: string }
  | { op: "appendAll"; dir: string; text: string }
  | { op: "replace"; path: string; search: string; replacement: string }
  | { op: "featureAppend"; feature: string; text: string }
  | { op: "featureReplace"; feature: string; search: string; replacement: string }
  | { op: "scaffold"; count: number; dir: string; kb: SizeKb | null }
  | { op: "read"; path: string }
  | { op: "undo"; version: number }
  | { op: "repeatEdit"; from: string; to: string }
  | { op: "repeatFeatureEdit"; from: string; to: string }
  | { op: "renameAdded"; name: string };

export const MAX_SCAFFOLD_FILES = 500;
/** Largest file `scaffold N files of A-B KB` writes. */
export const MAX_SCAFFOLD_KB = 64;

/** `\n`, `\t` and `\\` in instruction text stand for newline, tab and backslash. */
export function unescapeText(text: string): string {
  return text.replace(/\\([nt\\])/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : "\\"));
}

function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

/** A feature's name: words of letters (features.ts), e.g. "price badge". */
const FEATURE = "([A-Za-z]+(?: [A-Za-z]+)*?)";

const RULES: ReadonlyArray<(line: string) => Instruction | null> = [
  (line) => {
    const m = new RegExp(`^append to the ${FEATURE} feature:\\s(.*)$`, "i").exec(line);
    return m ? { op: "featureAppend", feature: (m[1] ?? "").toLowerCase(), text: withNewline(unescapeText(m[2] ?? "")) } : null;
  },
  (line) => {
    const m = new RegExp(`^replace in the ${FEATURE} feature:\\s(.+?)\\s=>\\s(.*)$`, "i").exec(line);
    return m ? { op: "featureReplace", feature: (m[1] ?? "").toLowerCase(), search: unescapeText(m[2] ?? ""), replacement: unescapeText(m[3] ?? "") } : null;
  },
  (line) => {
    const m = /^create\s+(\S+)\s+with\s(.*)$/i.exec(line);
    return m ? { op: "create", path: m[1] ?? "", content: withNewline(unescapeText(m[2] ?? "")) } : null;
  },
  (line) => {
    const m = /^append to (?:every|all) files? under\s+(\S+?):\s(.*)$/i.exec(line);
    return m ? { op: "appendAll", dir: m[1] ?? "", text: withNewline(unescapeText(m[2] ?? "")) } : null;
  },
  (line) => {
    const m = /^append to\s+(\S+?):\s(.*)$/i.exec(line);
    return m ? { op: "append", path: m[1] ?? "", text: withNewline(unescapeText(m[2] ?? "")) } : null;
  },
  (line) => {
    const m = /^replace in\s+(\S+?):\s(.+?)\s=>\s(.*)$/i.exec(line);
    return m ? { op: "replace", path: m[1] ?? "", search: unescapeText(m[2] ?? ""), replacement: unescapeText(m[3] ?? "") } : null;
  },
  (line) => {
    const m = /^scaffold\s+(\d+)\s+files?(?:\s+of\s+(\d+)-(\d+)\s*KB)?\s+under\s+(\S+)$/i.exec(line);
    const count = Number(m?.[1]);
    const kb = scaffoldKb(m?.[2], m?.[3]);
    return m && count >= 1 && count <= MAX_SCAFFOLD_FILES && kb !== undefined ? { op: "scaffold", count, dir: (m[4] ?? "").replace(/\/+$/, ""), kb } : null;
  },
  (line) => {
    const m = /^read\s+(\S+)$/i.exec(line);
    return m ? { op: "read", path: m[1] ?? "" } : null;
  },
  (line) => {
    const m = /^undo (?:the changes? (?:of|from|made (?:in|by)) )?version\s+(\d+)\.?$/i.exec(line);
    const version = Number(m?.[1]);
    return m && version >= 1 ? { op: "undo", version } : null;
  },
  (line) => {
    const m = new RegExp(`^make the same edit you made to the ${FEATURE} feature in the ${FEATURE} feature\\.?$`, "i").exec(line);
    return m ? { op: "repeatFeatureEdit", from: (m[1] ?? "").toLowerCase(), to: (m[2] ?? "").toLowerCase() } : null;
  },
  (line) => {
    const m = /^make the same edit you made to\s+(\S+)\s+in\s+(\S+?)\.?$/i.exec(line);
    return m ? { op: "repeatEdit", from: m[1] ?? "", to: m[2] ?? "" } : null;
  },
  (line) => {
    const m = /^rename what you added last time to\s+([A-Za-z_$][\w$]*)\.?$/i.exec(line);
    return m ? { op: "renameAdded", name: m[1] ?? "" } : null;
  },
];

/** The optional `of A-B KB` of a scaffold: null when absent, undefined when out of range. */
function scaffoldKb(min: string | undefined, max: string | undefined): SizeKb | null | undefined {
  if (min === undefined || max === undefined) return null;
  const [a, b] = [Number(min), Number(max)];
  return a >= 1 && a <= b && b <= MAX_SCAFFOLD_KB ? [a, b] : undefined;
}

export function parseInstructions(prompt: string): Instruction[] {
  const out: Instruction[] = [];
  for (const rawLine of prompt.split("\n")) {
    // Bullets and numbering ("- ", "* ", "3. ") are allowed in front of an instruction.
    const line = rawLine.replace(/^\s*(?:[-*•]|\d+[.)])\s+/, "").trim();
    for (const rule of RULES) {
      const instruction = rule(line);
      if (instruction) {
        out.push(instruction);
        break;
      }
    }
  }
  return out;
}
