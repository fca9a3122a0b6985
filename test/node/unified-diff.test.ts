// The version diff route's unified diffs, checked against the system's `patch`: applying
// ours to the old text gives the new one exactly, for edits of every shape.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../src/artifacts/unified-diff.ts";

function applies(a: string, b: string): void {
  const dir = mkdtempSync(path.join(tmpdir(), "udiff-"));
  try {
    const file = path.join(dir, "f.txt");
    writeFileSync(file, a);
    const patch = unifiedDiff(a, b, "a/f.txt", "b/f.txt");
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
    expect(unifiedDiff(a, b, "a", "b")).toBe(
      ["--- a", "+++ b", "@@ -1,8 +1,9 @@", " one", " two", "-three", "+THREE", " four", " five", " six", " seven", " eight", "+nine", ""].join("\n"),
    );
    expect(unifiedDiff(a, a, "a", "b")).toBe("");
  });

  it("marks a missing newline at the end, and a file created or emptied", () => {
    expect(unifiedDiff("x\n", "x", "a", "b")).toBe("--- a\n+++ b\n@@ -1 +1 @@\n-x\n+x\n\\ No newline at end of file\n");
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
});
