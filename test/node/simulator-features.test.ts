// Feature requests: a request names what to change ("the price badge"), not where. Scaffolded
// modules name their feature, and the reference executor finds it by search in the files. How
// the simulated model finds it (search in a fresh session, straight to the edit when its
// context holds the module) is tested in simulator-context.test.ts beside the other
// context-dependent behaviour.
import { describe, expect, it } from "vitest";
import { versionLabel } from "../../container/src/prompts.ts";
import { featureName, featurePatternSource, mentionsFeature } from "../../scripts/simulator/features.ts";
import { parseInstructions } from "../../scripts/simulator/instructions.ts";
import { referenceApply } from "../../scripts/simulator/reference.ts";
import { scaffoldFile } from "../../scripts/simulator/scaffold-size.ts";

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
