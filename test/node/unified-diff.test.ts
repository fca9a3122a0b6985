// The version diff route's unified diffs, checked against the system's `patch`: applying
// ours to the old text gives the new one exactly, for edits of every shape; and bounded, so
// that a big rewrite gives "too large" within a small heap instead of exhausting the isolate.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pathToFileURL } from "node:url";
import { MAX_EDIT_LINES, unifiedDiff } from "../../src/artifacts/unified-diff.ts";

function diffText(a: string, b: string, from = "a", to = "b"): string {
  const diff = unifiedDiff(a, b, from, to);
  if (diff === null) throw new Error("the diff hit its bound");
  return diff.text;
}

const lines = (count: number, tag: string): string => Array.from({ length: count }, (_, i) => `${tag} line ${i}: some text of a typical length ${i * 7}`).join("\n") + "\n";

function applies(a: string, b: string): void {
  const dir = mkdtempSync(path.join(tmpdir(), "udiff-"));
  try {
    const file = path.join(dir, "f.txt");
    writeFileSync(file, a);
    const patch = diffText(a, b, "a/f.txt", "b/f.txt");
    writeFileSync(path.join(dir, "p.diff"), patch);
    execFileSync("patch", ["--quiet", "--force", file, path.join(dir, "p.diff")], { stdio: "pipe" });
    expect(readFileSync(file, "utf8")).toBe(b);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe("unifiedDiff", () => {
  it("matches diff -u on a small edit", () => {
    const a = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n";
    const b = "one\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight\nnine\n";
    expect(unifiedDiff(a, b, "a", "b")).toEqual({
      text: ["--- a", "+++ b", "@@ -1,8 +1,9 @@", " one", " two", "-three", "+THREE", " four", " five", " six", " seven", " eight", "+nine", ""].join("\n"),
      editLines: 3,
    });
    expect(diffText(a, a)).toBe("");
  });

  it("marks a missing newline at the end, and a file created or emptied", () => {
    expect(diffText("x\n", "x")).toBe("--- a\n+++ b\n@@ -1,1 +1,1 @@\n-x\n+x\n\\ No newline at end of file\n");
    applies("", "new\nfile\n");
    applies("old\nfile\n", "");
    applies("a\nb", "a\nb\nc");
  });

  it("round-trips through patch for random edits", () => {
    const next = random(7);
    for (let round = 0; round < 60; round++) {
      const a = Array.from({ length: Math.floor(next() * 40) }, () => `line ${Math.floor(next() * 12)}`);
      const b = a.flatMap((line) => {
        const r = next();
        if (r < 0.15) return [];
        if (r < 0.3) return [line, `added ${Math.floor(next() * 100)}`];
        if (r < 0.4) return [`changed ${line}`];
        return [line];
      });
      const tail = (lines: string[]): string => (lines.length === 0 ? "" : `${lines.join("\n")}${next() < 0.2 ? "" : "\n"}`);
      applies(tail(a), tail(b));
    }
  });

  it("gives up past its bound (null, not an exception) and diffs up to it", () => {
    const a = lines(1200, "old");
    expect(unifiedDiff(a, lines(1200, "new"), "a", "b")).toBeNull();
    const half = lines(MAX_EDIT_LINES / 2, "new") + a.split("\n").slice(MAX_EDIT_LINES / 2).join("\n");
    expect(unifiedDiff(a, half, "a", "b")?.editLines).toBe(MAX_EDIT_LINES);
    applies(a, half);
  });

  it("answers two different 6,000-line files within a small heap, far below the isolate's 128 MB", () => {
    // The old hand-written Myers kept a copy of its frontier per step (typed arrays, outside
    // the JS heap): ≈ 1.1 GB here. The child's peak resident size counts every kind.
    const module = pathToFileURL(path.resolve(import.meta.dirname, "../../src/artifacts/unified-diff.ts")).href;
    const script = `
      const { unifiedDiff } = await import(${JSON.stringify(module)});
      const baseMb = process.resourceUsage().maxRSS / 1024;
      const lines = ${lines.toString()};
      const diff = unifiedDiff(lines(6000, "old"), lines(6000, "new"), "a", "b");
      console.log(JSON.stringify({ diff, peakMb: process.resourceUsage().maxRSS / 1024, baseMb }));`;
    const child = spawnSync(process.execPath, ["--max-old-space-size=32", "--input-type=module", "-e", script], { encoding: "utf8" });
    expect(child.stderr).not.toMatch(/heap out of memory/);
    expect(child.status).toBe(0);
    const out = JSON.parse(child.stdout) as { diff: unknown; peakMb: number; baseMb: number };
    expect(out.diff).toBeNull();
    // What the diff added to the process's peak (Node itself starts at ≈ 50 MB).
    expect(out.peakMb - out.baseMb).toBeLessThan(32);
  });
});
