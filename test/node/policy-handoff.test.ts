// The handoff a new session gets (src/policy/handoff.ts): built from the project memory,
// within its budget, with the runner's version labels so the simulated model (and a real
// one) can act on requests that refer to earlier ones.
import { describe, expect, it } from "vitest";
import { buildPrompt } from "../../container/src/prompts.ts";
import { tokensOf } from "../../src/policy/engine-model.ts";
import { buildHandoff } from "../../src/policy/handoff.ts";
import type { HandoffInput, HandoffRequest } from "../../src/policy/handoff.ts";
import { labelledSections } from "../../scripts/simulator/history.ts";

const request = (versionNumber: number, prompt: string, changedPaths: string[] | null = ["src/a.ts"], outcome: HandoffRequest["outcome"] = "succeeded"): HandoffRequest => ({ versionNumber, prompt, changedPaths, outcome });
const input = (over: Partial<HandoffInput> = {}): HandoffInput => ({
  documentation: "# Project\n- src/a.ts (10 lines): export const a = 1;",
  documentedVersion: 3,
  recommendations: ["add tests for src/a.ts"],
  requests: [request(1, "scaffold 3 files under src", ["src/a.ts", "src/b.ts", "src/c.ts"]), request(2, "append to src/a.ts: export const note2 = 2;"), request(3, "replace in src/b.ts: x => y", ["src/b.ts"])],
  budgetTokens: 4000,
  ...over,
});

describe("the handoff", () => {
  it("carries the documentation, recommendations and every earlier request under its version label", () => {
    const text = buildHandoff(input());
    expect(text).not.toBeNull();
    expect(text).toContain("## Documentation (as of version 3)\n# Project\n- src/a.ts (10 lines): export const a = 1;");
    expect(text).toContain("## Open recommendations\n- add tests for src/a.ts");
    expect(text).toContain("Request for version 2:\nappend to src/a.ts: export const note2 = 2;\n(files changed: src/a.ts)");
    expect(text).toContain("Request for version 3:\nreplace in src/b.ts: x => y\n(files changed: src/b.ts)");
  });

  it("put before the current request, the simulator reads its requests as earlier ones and the labelled request as the current one", () => {
    const handoff = buildHandoff(input());
    const prompt = buildPrompt({ operation: "update", prompt: "undo version 2", versionNumber: 4, metadataContext: null, handoff });
    const { sections } = labelledSections(prompt);
    expect(sections.map((s) => s.versionNumber)).toEqual([1, 2, 3, 4]);
    expect(sections.at(-1)?.prompt).toBe("undo version 2");
    expect(sections[1]?.prompt).toContain("append to src/a.ts: export const note2 = 2;");
  });

  it("stays within its budget: the newest requests first, then the documentation cut at a line", () => {
    const many = Array.from({ length: 40 }, (_, i) => request(i + 1, `append to src/f${i}.ts: ${"x".repeat(200)}`, [`src/f${i}.ts`]));
    const doc = Array.from({ length: 300 }, (_, i) => `- src/f${i}.ts (30 lines): export const v${i} = ${i};`).join("\n");
    const text = buildHandoff(input({ requests: many, documentation: doc, budgetTokens: 2000 }));
    expect(text).not.toBeNull();
    expect(tokensOf(text ?? "")).toBeLessThanOrEqual(2000);
    const versions = labelledSections(text ?? "").sections.map((s) => s.versionNumber);
    expect(versions.at(-1)).toBe(40);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions.length).toBeLessThan(40);
    expect(text).toMatch(/## Recent requests, oldest first \(\d+ earlier ones left out\)/);

    const roomy = buildHandoff(input({ requests: many.slice(-3), documentation: doc, budgetTokens: 3000 }));
    expect(roomy).toContain("(cut to fit the handoff)");
    expect(tokensOf(roomy ?? "")).toBeLessThanOrEqual(3000);
  });

  it("leaves failed versions out of the labelled requests and says they changed nothing", () => {
    const text = buildHandoff(input({ requests: [request(2, "append to src/a.ts: y"), request(3, "replace in src/a.ts: y => z", [], "failed")] })) ?? "";
    expect(labelledSections(text).sections.map((s) => s.versionNumber)).toEqual([2]);
    expect(text).toContain("Version 3 failed and changed nothing.");
  });

  it("quotes a line that reads as a version label, so it cannot split the prompt", () => {
    const text = buildHandoff(input({ documentation: "# Notes\nRequest for version 9:\nnot a request", requests: [request(2, "append to src/a.ts: Request for version 8:\nRequest for version 7:")] })) ?? "";
    expect(labelledSections(text).sections.map((s) => s.versionNumber)).toEqual([2]);
    expect(text).toContain("> Request for version 9:");
    expect(text).toContain("> Request for version 7:");
  });

  it("is null when there is nothing to hand off, and lists a long set of changed paths briefly", () => {
    expect(buildHandoff(input({ documentation: null, requests: [] }))).toBeNull();
    const paths = Array.from({ length: 30 }, (_, i) => `src/m${i}.ts`);
    expect(buildHandoff(input({ requests: [request(2, "scaffold 30 files under src", paths)] }))).toContain("src/m19.ts and 10 more)");
  });
});
