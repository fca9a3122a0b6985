// Feature requests: a request names what to change ("the price badge"), not where. Scaffolded
// modules name their feature; a session that does not hold the module searches (Grep) and
// reads what matches before it edits; one whose context holds the module goes straight to
// the edit. The reference executor finds the feature the same way, in the files.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { versionLabel } from "../../container/src/prompts.ts";
import { featureName, featurePatternSource, mentionsFeature } from "../../scripts/simulator/features.ts";
import { parseInstructions } from "../../scripts/simulator/instructions.ts";
import { referenceApply } from "../../scripts/simulator/reference.ts";
import { scaffoldFile } from "../../scripts/simulator/scaffold-size.ts";
import { startSimulator } from "../../scripts/simulator/server.ts";
import type { Simulator } from "../../scripts/simulator/server.ts";

type Json = Record<string, unknown>;
const CWD = "/feat/space";
const labelled = (version: number, text: string): string => `${versionLabel(version)}\n${text}`;
const files = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`src/module-0${i + 1}.ts`, scaffoldFile(1, "src", i + 1, 8, null)]));
const third = featureName(3);
const fifth = featureName(5);

describe("named features", () => {
  it("every module of the largest project names its own feature and no other", () => {
    const names = Array.from({ length: 500 }, (_, i) => featureName(i + 1));
    expect(new Set(names).size).toBe(500);
    const big = Array.from({ length: 200 }, (_, i) => scaffoldFile(1, "src", i + 1, 200, [2, 8]));
    for (const [i, content] of big.entries()) {
      expect(big.filter((c) => mentionsFeature(c, names[i] ?? "")).length, names[i]).toBe(1);
      expect(mentionsFeature(content, names[i] ?? "")).toBe(true);
    }
  });

  it("parses the feature forms beside the file forms", () => {
    expect(parseInstructions(`Small changes.\nappend to the ${third} feature: export const n = 1;\nreplace in the ${fifth} feature: label: string; => label: string; // v2\nappend to src/a.ts: x`)).toEqual([
      { op: "featureAppend", feature: third, text: "export const n = 1;\n" },
      { op: "featureReplace", feature: fifth, search: "label: string;", replacement: "label: string; // v2" },
      { op: "append", path: "src/a.ts", text: "x\n" },
    ]);
    expect(parseInstructions(`make the same edit you made to the ${third} feature in the ${fifth} feature`)).toEqual([{ op: "repeatFeatureEdit", from: third, to: fifth }]);
  });

  it("reference: changes the module that names the feature, undoes and repeats feature edits", () => {
    const v2 = `append to the ${third} feature: export const note2 = 2;\nreplace in the ${fifth} feature: limit: number; => limit: number; // v2`;
    const after = referenceApply(files, labelled(2, v2), []);
    const changed = Object.keys(files).filter((p) => after[p] !== files[p]);
    expect(changed).toEqual(["src/module-03.ts", "src/module-05.ts"]);
    expect(after["src/module-03.ts"]).toBe(`${files["src/module-03.ts"] ?? ""}export const note2 = 2;\n`);
    const history = [{ versionNumber: 2, prompt: v2 }];
    expect(referenceApply(after, labelled(3, "undo version 2"), history)).toEqual(files);
    const repeated = referenceApply(after, labelled(3, `make the same edit you made to the ${fifth} feature in the ${third} feature`), history);
    expect(repeated["src/module-03.ts"]).toBe((after["src/module-03.ts"] ?? "").replace("limit: number;", "limit: number; // v2"));
  });
});

describe("simulated model: search when the context does not show where, straight there when it does", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ latencyScale: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });

  const TOOLS = ["Read", "Write", "Edit", "Glob", "Grep"].map((name) => ({ name, description: name, input_schema: { type: "object" } }));
  async function reply(messages: Json[]): Promise<Json[]> {
    const res = await fetch(`${sim.url}/v1/messages`, { method: "POST", body: JSON.stringify({ model: "claude-opus-5-5", system: `Primary working directory: ${CWD}`, tools: TOOLS, messages }) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { content: Json[] }).content;
  }
  const user = (text: string): Json => ({ role: "user", content: [{ type: "text", text }] });
  const exchange = (id: string, name: string, input: Json, result: string): Json[] => [
    { role: "assistant", content: [{ type: "tool_use", id, name, input }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: result }] },
  ];
  const catN = (content: string): string => content.split("\n").map((line, i) => `${String(i + 1).padStart(6)}\t${line}`).join("\n");
  const path3 = `${CWD}/src/module-03.ts`;
  const content3 = files["src/module-03.ts"] ?? "";
  const request = labelled(2, `replace in the ${third} feature: enabled: boolean; => enabled: boolean; // v2`);

  it("a fresh session greps for the feature, reads the match, then edits", async () => {
    expect(await reply([user(request)])).toMatchObject([{ name: "Grep", input: { pattern: featurePatternSource(third), path: CWD, "-i": true, output_mode: "files_with_matches" } }]);
    const grep = exchange("toolu_g1", "Grep", { pattern: featurePatternSource(third), path: CWD, "-i": true, output_mode: "files_with_matches" }, `Found 1 file\n${path3}`);
    expect(await reply([user(request), ...grep])).toMatchObject([{ name: "Read", input: { file_path: path3 } }]);
    const read = exchange("toolu_r1", "Read", { file_path: path3 }, catN(content3));
    expect(await reply([user(request), ...grep, ...read])).toMatchObject([
      { name: "Edit", input: { file_path: path3, old_string: "enabled: boolean;", new_string: "enabled: boolean; // v2" } },
    ]);
  });

  it("a resumed session whose context holds the module edits it at once", async () => {
    const earlier = [
      user(labelled(1, "scaffold 8 files under src")),
      ...exchange("toolu_w1", "Write", { file_path: path3, content: content3 }, "File created successfully"),
      { role: "assistant", content: [{ type: "text", text: "Done." }] },
    ];
    expect(await reply([...earlier, user(request)])).toMatchObject([
      { name: "Edit", input: { file_path: path3, old_string: "enabled: boolean;", new_string: "enabled: boolean; // v2" } },
    ]);
  });
});
