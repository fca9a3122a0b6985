// Context-dependent instructions: the reference executor (what a request should do, with
// the whole history known) and the simulated model (which does it only when the referenced
// request is in its context: an earlier labelled turn, a handoff in the first prompt, or a
// compaction summary).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { versionLabel } from "../../container/src/prompts.ts";
import { featureName, featurePatternSource } from "../../scripts/simulator/features.ts";
import { requestContext } from "../../scripts/simulator/history.ts";
import { referenceApply } from "../../scripts/simulator/reference.ts";
import type { LabelledRequest } from "../../scripts/simulator/reference.ts";
import { parseRequest } from "../../scripts/simulator/request.ts";
import { scaffoldFile } from "../../scripts/simulator/scaffold-size.ts";
import { startSimulator } from "../../scripts/simulator/server.ts";
import type { Simulator } from "../../scripts/simulator/server.ts";
import { simReply, userText } from "../support/sim-messages.ts";
import type { Json } from "../support/sim-messages.ts";

const CWD = "/ctx/space";
const labelled = (version: number, text: string): string => `${versionLabel(version)}\n${text}`;

const HISTORY: LabelledRequest[] = [
  { versionNumber: 1, prompt: "create src/a.ts with export const a = 1;\ncreate src/b.ts with import { a } from './a';" },
  { versionNumber: 2, prompt: "append to src/a.ts: export function helper7() { return a; }\nreplace in src/b.ts: './a' => './a.ts'" },
  { versionNumber: 3, prompt: "append to src/b.ts: console.log(helper7());" },
];

/** The workspace after each request of HISTORY, replayed with the reference executor. */
function replay(history: readonly LabelledRequest[]): Record<string, string> {
  let files: Record<string, string> = {};
  history.forEach((request, i) => {
    files = referenceApply(files, labelled(request.versionNumber, request.prompt), history.slice(0, i));
  });
  return files;
}

describe("reference executor", () => {
  const v3 = replay(HISTORY);

  it("applies plain instructions as the model does", () => {
    expect(v3).toEqual({
      "src/a.ts": "export const a = 1;\nexport function helper7() { return a; }\n",
      "src/b.ts": "import { a } from './a.ts';\nconsole.log(helper7());\n",
    });
    expect(v3).not.toBe(replay(HISTORY)); // a new object every time: the input is never changed
  });

  it("undoes a version's appends and replaces, newest first", () => {
    const undone = referenceApply(v3, labelled(4, "undo version 2"), HISTORY);
    expect(undone).toEqual({ "src/a.ts": "export const a = 1;\n", "src/b.ts": "import { a } from './a';\nconsole.log(helper7());\n" });
    // Undoing an undo puts the change back (the appended text returns at the end of the file).
    const redone = referenceApply(undone, labelled(5, "undo version 4"), [...HISTORY, { versionNumber: 4, prompt: "undo version 2" }]);
    expect(redone["src/a.ts"]).toBe(v3["src/a.ts"]);
  });

  it("repeats the most recent edit to a file on another file", () => {
    const files = { ...v3, "src/c.ts": "// c\n" };
    expect(referenceApply(files, labelled(4, "make the same edit you made to src/b.ts in src/c.ts"), HISTORY)["src/c.ts"]).toBe("// c\nconsole.log(helper7());\n");
    expect(referenceApply(files, labelled(4, "make the same edit you made to src/a.ts in src/c.ts"), HISTORY)["src/c.ts"]).toBe("// c\nexport function helper7() { return a; }\n");
  });

  it("renames what the previous request declared, in every file", () => {
    const history = [...HISTORY.slice(0, 2)];
    const v2 = replay(history);
    const renamed = referenceApply(v2, labelled(3, "rename what you added last time to widget"), history);
    expect(renamed["src/a.ts"]).toBe("export const a = 1;\nexport function widget() { return a; }\n");
  });

  it("changes nothing when the referenced request is unknown", () => {
    expect(referenceApply(v3, labelled(4, "undo version 9"), HISTORY)).toEqual(v3);
    expect(referenceApply(v3, labelled(4, "make the same edit you made to src/zzz.ts in src/a.ts"), HISTORY)).toEqual(v3);
  });
});

describe("requests in context", () => {
  const body = (messages: Json[]) => parseRequest({ model: "claude-opus-5-5", messages });
  const user = (text: string): Json => ({ role: "user", content: text });

  it("finds labelled requests in earlier turns, in a handoff inside the first prompt, and in a compaction summary", () => {
    const turns = body([user(labelled(1, "create a.ts with x")), { role: "assistant", content: "Done." }, user(labelled(2, "undo version 1"))]);
    expect(requestContext(turns.messages)).toEqual({ current: { versionNumber: 2, text: "undo version 1" }, history: [{ versionNumber: 1, prompt: "create a.ts with x" }] });
    const handoff = body([user(`Earlier work on this project:\n${labelled(1, "create a.ts with x")}\n${labelled(2, "append to a.ts: y")}\n\n${labelled(3, "undo version 2")}`)]);
    expect(requestContext(handoff.messages).history.map((h) => h.versionNumber)).toEqual([1, 2]);
    const summary = `This session is being continued from a previous conversation that ran out of context.\nSummary:\n6. All user messages:\n   - ${JSON.stringify(labelled(1, "create a.ts with x"))}\n\n7. Pending Tasks:\n`;
    const compacted = body([user(summary), user(labelled(2, "undo version 1"))]);
    expect(requestContext(compacted.messages).history).toEqual([{ versionNumber: 1, prompt: "create a.ts with x" }]);
    const fresh = body([user(labelled(2, "undo version 1"))]);
    expect(requestContext(fresh.messages).history).toEqual([]);
  });
});

describe("simulated model with and without the referenced request", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ latencyScale: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });

  const reply = simReply(() => sim.url, CWD);
  const user = userText;
  const turn = (id: string, path: string, content: string): Json[] => [
    { role: "assistant", content: [{ type: "tool_use", id, name: "Write", input: { file_path: `${CWD}/${path}`, content } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: "File created successfully" }] },
    { role: "assistant", content: [{ type: "text", text: "Done." }] },
  ];
  const earlier = [user(labelled(1, "create notes.txt with one\\ntwo")), ...turn("toolu_w1", "notes.txt", "one\ntwo\n"), user(labelled(2, "append to notes.txt: three"))];
  const afterAppend = [
    ...earlier,
    { role: "assistant", content: [{ type: "tool_use", id: "toolu_e1", name: "Edit", input: { file_path: `${CWD}/notes.txt`, old_string: "two\n", new_string: "two\nthree\n", replace_all: false } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_e1", content: "The file has been updated." }] },
    { role: "assistant", content: [{ type: "text", text: "Done." }] },
  ];

  it("undoes version 2 when its request is an earlier turn of the session", async () => {
    const calls = await reply([...afterAppend, user(labelled(3, "undo version 2"))]);
    expect(calls).toMatchObject([{ name: "Edit", input: { file_path: `${CWD}/notes.txt`, old_string: "three\n", new_string: "" } }]);
  });

  it("undoes it from a handoff in a new session's first prompt (after reading the file)", async () => {
    const handoff = `Work done so far:\n${labelled(2, "append to notes.txt: three")}\n\n${labelled(3, "undo version 2")}`;
    expect(await reply([user(handoff)])).toMatchObject([{ name: "Read", input: { file_path: `${CWD}/notes.txt` } }]);
  });

  it("changes nothing and says why when the request is not in context", async () => {
    const [answer, ...rest] = await reply([user(labelled(3, "undo version 2\nmake the same edit you made to notes.txt in other.txt\nrename what you added last time to x"))]);
    expect(rest).toEqual([]);
    expect(answer?.["text"]).toBe(
      [
        "Done.",
        "- could not undo version 2: its request is not in this conversation",
        "- could not repeat the edit to notes.txt: no edit to it is in this conversation",
        "- could not rename what was added last time: that request is not in this conversation",
      ].join("\n"),
    );
  });

  describe("a request that names a feature, not a file", () => {
    const feature = featureName(3);
    const path = `${CWD}/src/module-03.ts`;
    const content = scaffoldFile(1, "src", 3, 8, null);
    const request = labelled(2, `replace in the ${feature} feature: enabled: boolean; => enabled: boolean; // v2`);
    const grepInput = { pattern: featurePatternSource(feature), path: CWD, "-i": true, output_mode: "files_with_matches" };
    const exchange = (id: string, name: string, input: Json, result: string): Json[] => [
      { role: "assistant", content: [{ type: "tool_use", id, name, input }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: result }] },
    ];
    const catN = (text: string): string => text.split("\n").map((line, i) => `${String(i + 1).padStart(6)}\t${line}`).join("\n");
    const theEdit = [{ name: "Edit", input: { file_path: path, old_string: "enabled: boolean;", new_string: "enabled: boolean; // v2" } }];

    it("a fresh session greps for the feature, reads the match, then edits", async () => {
      expect(await reply([user(request)])).toMatchObject([{ name: "Grep", input: grepInput }]);
      const grep = exchange("toolu_g1", "Grep", grepInput, `Found 1 file\n${path}`);
      expect(await reply([user(request), ...grep])).toMatchObject([{ name: "Read", input: { file_path: path } }]);
      expect(await reply([user(request), ...grep, ...exchange("toolu_r1", "Read", { file_path: path }, catN(content))])).toMatchObject(theEdit);
    });

    it("a resumed session that read the version log, which quotes the feature, still searches for where it lives", async () => {
      const log = `# Versions of this project\n\n## Version 1 (update, succeeded)\n\n> replace in the ${feature} feature: limit: number; => limit: number; // v1\n`;
      const readLog = [user(labelled(1, "undo version 1")), ...exchange("toolu_l1", "Read", { file_path: `${CWD}/.session-chain/versions.md` }, catN(log)), { role: "assistant", content: [{ type: "text", text: "Done." }] }];
      expect(await reply([...readLog, user(request)])).toMatchObject([{ name: "Grep", input: grepInput }]);
    });

    it("a resumed session whose context holds the module edits it at once", async () => {
      const made = [user(labelled(1, "scaffold 8 files under src")), ...turn("toolu_w3", "src/module-03.ts", content)];
      expect(await reply([...made, user(request)])).toMatchObject(theEdit);
    });
  });

  it("repeats an edit and renames across the workspace with Grep", async () => {
    expect(await reply([...afterAppend, user(labelled(3, "make the same edit you made to notes.txt in other.txt"))])).toMatchObject([
      { name: "Read", input: { file_path: `${CWD}/other.txt` } },
    ]);
    const declared = [user(labelled(1, "append to a.ts: export const count = 1;")), ...turn("toolu_w2", "a.ts", "export const count = 1;\n"), user(labelled(2, "rename what you added last time to total"))];
    expect(await reply(declared)).toMatchObject([{ name: "Grep", input: { pattern: "count", path: CWD, output_mode: "files_with_matches" } }]);
  });
});
