// The lean metadata step's pure parts: facts computed by code, the prompt and its parsing,
// the patch applied to the previous documentation, and the simulated model's answer.
import { describe, expect, it } from "vitest";
import { factsOf } from "../../container/src/file-facts.ts";
import { parseMetadataPatch } from "../../container/src/lean-metadata.ts";
import { buildPrompt } from "../../container/src/prompts.ts";
import { metadataConfig } from "../../src/metadata/config.ts";
import { applyPatch, changesBetween, parseDocumentation, patchContext, renderDocumentation } from "../../src/metadata/documentation.ts";
import type { DocumentedFile } from "../../src/metadata/documentation.ts";
import { describe as describeFile, leanMetadata, parseLeanContext } from "../../scripts/simulator/lean-metadata.ts";
import { emptyKnowledge } from "../../scripts/simulator/knowledge.ts";

const file = (path: string, text: string) => ({ path, content: Buffer.from(text) });

describe("computed facts", () => {
  it("counts bytes and lines (a last line without newline counts) and quotes the first non-blank line", () => {
    expect(factsOf(file("a.ts", "\n  // header  \nx\n"))).toEqual({ path: "a.ts", bytes: 17, lines: 3, firstLine: "// header" });
    expect(factsOf(file("b.ts", "one\ntwo"))).toMatchObject({ lines: 2, firstLine: "one" });
    expect(factsOf(file("empty", ""))).toEqual({ path: "empty", bytes: 0, lines: 0, firstLine: "" });
    expect(factsOf({ path: "bin", content: Buffer.from([1, 0, 2, 10]) })).toEqual({ path: "bin", bytes: 4, lines: 0, firstLine: "" });
    expect(factsOf(file("long", "x".repeat(300))).firstLine).toHaveLength(120);
  });
});

describe("the documentation patch", () => {
  const previous: DocumentedFile[] = [
    { path: "a.ts", bytes: 10, lines: 1, firstLine: 'say "hi" `now`', description: "greets" },
    { path: "b.ts", bytes: 5, lines: 1, firstLine: "b", description: "old b" },
    { path: "gone.ts", bytes: 5, lines: 1, firstLine: "g", description: "will go" },
    { path: "undescribed.ts", bytes: 1, lines: 1, firstLine: "u", description: null },
  ];

  it("renders documentation that parses back to the same files", () => {
    const text = renderDocumentation({ files: previous, recommendations: ["add tests"] }, null, 3, null);
    expect(parseDocumentation(text)).toEqual(previous);
    expect(parseDocumentation("# Project overview\n\n- `a.ts` (1 lines): x")).toBeNull();
  });

  it("asks about changed paths that exist and any file without a description; lists removed ones", () => {
    const context = patchContext(previous, ["b.ts", "gone.ts", "new.ts"], ["a.ts", "b.ts", "new.ts", "undescribed.ts"]);
    expect(context).toEqual({
      changed: [
        { path: "b.ts", previousEntry: "old b" },
        { path: "new.ts", previousEntry: null },
        { path: "undescribed.ts", previousEntry: null },
      ],
      removed: ["gone.ts"],
    });
    expect(changesBetween(previous, context)).toEqual({ added: ["new.ts"], modified: ["b.ts", "undescribed.ts"], removed: ["gone.ts"] });
    // Nothing changed: nothing to ask.
    expect(patchContext(previous.slice(0, 3), [], ["a.ts", "b.ts", "gone.ts"]).changed).toEqual([]);
    // No usable previous documentation or unknown changes: every current file.
    expect(patchContext(null, ["b.ts"], ["a.ts", "b.ts"]).changed.map((c) => c.path)).toEqual(["a.ts", "b.ts"]);
    expect(patchContext(previous, null, ["a.ts"]).changed.map((c) => c.path)).toEqual(["a.ts"]);
  });

  it("applies the patch: added and changed paths get the new entry, others keep theirs, removed ones go", () => {
    const facts = [
      { path: "a.ts", bytes: 10, lines: 1, firstLine: "a" },
      { path: "b.ts", bytes: 50, lines: 4, firstLine: "b2" },
      { path: "new.ts", bytes: 7, lines: 2, firstLine: "n" },
    ];
    const doc = applyPatch(previous, facts, { recommendations: ["r1"], entries: { "b.ts": "new b", "new.ts": "brand new" } });
    expect(doc).toEqual({
      recommendations: ["r1"],
      files: [
        { path: "a.ts", bytes: 10, lines: 1, firstLine: "a", description: "greets" },
        { path: "b.ts", bytes: 50, lines: 4, firstLine: "b2", description: "new b" },
        { path: "new.ts", bytes: 7, lines: 2, firstLine: "n", description: "brand new" },
      ],
    });
  });
});

describe("the lean prompt and its answer", () => {
  const context = { changed: [{ path: "src/a.ts", previousEntry: "old\nentry" }, { path: "src/b.ts", previousEntry: null }], removed: ["src/c.ts"] };

  it("names only the changed paths with their previous entries; the simulator reads it back", () => {
    const prompt = buildPrompt({ operation: "metadata", prompt: "", versionNumber: 2, metadataContext: null, documentationPatch: context });
    expect(prompt).toContain("- src/a.ts\n  previous: old entry\n- src/b.ts\n");
    expect(prompt).toContain("- src/c.ts");
    expect(parseLeanContext(prompt)).toEqual({ changed: [{ path: "src/a.ts", previousEntry: "old entry" }, { path: "src/b.ts", previousEntry: null }] });
    // The full request is not lean.
    expect(parseLeanContext(buildPrompt({ operation: "metadata", prompt: "", versionNumber: 2, metadataContext: { previousDocumentation: null, changedPaths: ["x"] } }))).toBeNull();
  });

  it("keeps only entries of changed paths, in one line, and at most five recommendations", () => {
    const answer = "```json\n" + JSON.stringify({ recommendations: ["1", "2", "3", "4", "5", "6"], entries: { "src/a.ts": "does\n a", "src/other.ts": "not asked" } }) + "\n```";
    expect(parseMetadataPatch(answer, context)).toEqual({ recommendations: ["1", "2", "3", "4", "5"], entries: { "src/a.ts": "does a" } });
    expect(parseMetadataPatch('{"documentation": "x", "recommendations": []}', context)).toBeNull();
  });

  it("the simulated model describes a file it holds from its header and exports, an unread one from its path", () => {
    const k = emptyKnowledge("/w");
    k.contents.set("/w/src/a.ts", "// src/a.ts: prices\nexport const price = 1;\nexport function show() {}\n");
    const answer = leanMetadata(k, { changed: [{ path: "src/a.ts", previousEntry: null }, { path: "src/b.ts", previousEntry: null }] });
    expect(answer.entries).toEqual({ "src/a.ts": "src/a.ts: prices Exports price, show.", "src/b.ts": describeFile("src/b.ts", undefined) });
    expect(answer.recommendations.length).toBeLessThanOrEqual(5);
  });
});

describe("METADATA_STEP and METADATA_MODEL", () => {
  it("default to lean and the engine's model; refuse an unknown step or an unpriced model", () => {
    expect(metadataConfig({ METADATA_STEP: "", METADATA_MODEL: "" })).toEqual({ step: "lean", model: null });
    expect(metadataConfig({ METADATA_STEP: "legacy", METADATA_MODEL: "claude-haiku-4-5" })).toEqual({ step: "legacy", model: "claude-haiku-4-5" });
    expect(() => metadataConfig({ METADATA_STEP: "cheap", METADATA_MODEL: "" })).toThrow(/METADATA_STEP/);
    expect(() => metadataConfig({ METADATA_STEP: "lean", METADATA_MODEL: "gpt-9" })).toThrow(/METADATA_MODEL/);
  });
});
