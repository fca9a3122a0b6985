// A unified diff of two texts (the `diff -u` format, 3 lines of context), line by line with
// Myers' O(ND) algorithm: the version diff route shows what an update changed.

const CONTEXT = 3;

type Op = { kind: " " | "-" | "+"; line: string };

/** A last line without a newline carries NO_EOL, so it differs from the same text with one. */
const NO_EOL = "\u0000";

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  const last = lines.pop() ?? "";
  if (last !== "") lines.push(`${last}${NO_EOL}`);
  return lines;
}

/** The shortest edit script from a to b (Myers 1986), as kept/removed/added lines in order. */
function editScript(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0)) ? (v[offset + k + 1] ?? 0) : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk back through the saved frontiers.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const frontier = trace[d] ?? v;
    const k = x - y;
    const down = k === -d || (k !== d && (frontier[offset + k - 1] ?? 0) < (frontier[offset + k + 1] ?? 0));
    const prevK = down ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : (frontier[offset + prevK] ?? 0);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) ops.push({ kind: " ", line: a[--x] ?? "" }), y--;
    if (d > 0) {
      if (down) ops.push({ kind: "+", line: b[--y] ?? "" });
      else ops.push({ kind: "-", line: a[--x] ?? "" });
    }
  }
  return ops.reverse();
}

/** `diff -u` output for a → b under the given names; "" when they are equal. */
export function unifiedDiff(a: string, b: string, fromName: string, toName: string): string {
  if (a === b) return "";
  const left = splitLines(a);
  const right = splitLines(b);
  const ops = editScript(left, right);
  const out = [`--- ${fromName}`, `+++ ${toName}`];
  // Line numbers (0-based) in a and b where each op starts.
  const positions: { a: number; b: number }[] = [];
  let aLine = 0;
  let bLine = 0;
  for (const op of ops) {
    positions.push({ a: aLine, b: bLine });
    if (op.kind !== "+") aLine++;
    if (op.kind !== "-") bLine++;
  }
  let i = 0;
  while (i < ops.length) {
    if (ops[i]?.kind === " ") {
      i++;
      continue;
    }
    // A hunk runs from CONTEXT lines before a change to CONTEXT lines after the last change
    // that follows the previous one within 2 × CONTEXT kept lines.
    const start = Math.max(0, i - CONTEXT);
    let end = i;
    let kept = 0;
    for (let j = i; j < ops.length && kept <= 2 * CONTEXT; j++) {
      if (ops[j]?.kind === " ") kept++;
      else {
        kept = 0;
        end = j;
      }
    }
    const stop = Math.min(ops.length, end + CONTEXT + 1);
    const hunk = ops.slice(start, stop);
    const from = positions[start] ?? { a: 0, b: 0 };
    const aCount = hunk.filter((op) => op.kind !== "+").length;
    const bCount = hunk.filter((op) => op.kind !== "-").length;
    const range = (line: number, count: number): string => `${count === 0 ? line : line + 1}${count === 1 ? "" : `,${count}`}`;
    out.push(`@@ -${range(from.a, aCount)} +${range(from.b, bCount)} @@`);
    for (const op of hunk) {
      if (op.line.endsWith(NO_EOL)) out.push(`${op.kind}${op.line.slice(0, -1)}`, "\\ No newline at end of file");
      else out.push(`${op.kind}${op.line}`);
    }
    i = stop;
  }
  return `${out.join("\n")}\n`;
}
