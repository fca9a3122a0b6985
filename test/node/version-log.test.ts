// The version log in units: how the Durable Object builds and caps it from the project
// memory, how the runner renders it (and the simulator parses it back), and the simulator's
// rule: a new session told of the log can undo a version it never saw; without it, it cannot.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSION_LOG_PATH } from "../../container/src/product-dir.ts";
import { VERSION_LOG_NOTE, buildPrompt, versionLabel } from "../../container/src/prompts.ts";
import { MAX_VERSION_LOG_ENTRIES, MAX_VERSION_LOG_PATHS, MAX_VERSION_LOG_REQUEST_CHARS, RunRequest, VersionLog } from "../../container/src/protocol.ts";
import { REQUEST_TRUNCATED_MARKER, renderVersionLog } from "../../container/src/version-log.ts";
import { emptyKnowledge } from "../../scripts/simulator/knowledge.ts";
import { startSimulator } from "../../scripts/simulator/server.ts";
import type { Simulator } from "../../scripts/simulator/server.ts";
import { simReply, userText } from "../support/sim-messages.ts";
import type { Json } from "../support/sim-messages.ts";
import { LOG_RESOLVE_RATE, parseVersionLog, resolveWithVersionLog } from "../../scripts/simulator/version-log.ts";
import { buildVersionLog, versionLogEnabled } from "../../src/version-log/build.ts";
import type { LoggedRequest } from "../../src/version-log/build.ts";

const remembered = (versionNumber: number, prompt: string, changedPaths: string[] | null = [`f${versionNumber}.ts`]): LoggedRequest => ({
  versionNumber, kind: versionNumber === 1 ? "create" : "update", prompt, changedPaths, outcome: "succeeded",
});

describe("building the log (Durable Object)", () => {
  it("keeps the last entries before the current version, oldest first, and cuts requests and paths visibly", () => {
    const updates = Array.from({ length: 70 }, (_, i) => remembered(i + 1, `append to f${i + 1}.ts: x`));
    updates[64] = remembered(65, "y".repeat(MAX_VERSION_LOG_REQUEST_CHARS + 5), Array.from({ length: MAX_VERSION_LOG_PATHS + 3 }, (_, i) => `p${i}.ts`));
    const log = buildVersionLog(updates, 66) ?? [];
    expect(VersionLog.parse(log)).toEqual(log);
    expect(log).toHaveLength(MAX_VERSION_LOG_ENTRIES);
    expect(log.map((e) => e.versionNumber)).toEqual(Array.from({ length: 50 }, (_, i) => i + 16));
    const cut = log.at(-1);
    expect(cut).toMatchObject({ versionNumber: 65, requestTruncated: true, morePaths: 3 });
    expect(cut?.request).toHaveLength(MAX_VERSION_LOG_REQUEST_CHARS);
    expect(cut?.changedPaths).toHaveLength(MAX_VERSION_LOG_PATHS);
    expect(log[0]).toMatchObject({ versionNumber: 16, request: "append to f16.ts: x", requestTruncated: false, changedPaths: ["f16.ts"], morePaths: 0 });
  });

  it("is null when there is no earlier version, and keeps unknown paths unknown", () => {
    expect(buildVersionLog([remembered(1, "create a.ts with x")], 1)).toBeNull();
    expect(buildVersionLog([remembered(2, "undo version 1", null)], 3)?.[0]).toMatchObject({ changedPaths: null, morePaths: 0 });
  });

  it("VERSION_LOG is on by default, off when set so, and refuses anything else", () => {
    expect(versionLogEnabled({ VERSION_LOG: "on" })).toBe(true);
    expect(versionLogEnabled({ VERSION_LOG: "" })).toBe(true);
    expect(versionLogEnabled({ VERSION_LOG: "OFF" })).toBe(false);
    expect(() => versionLogEnabled({ VERSION_LOG: "maybe" })).toThrow(/VERSION_LOG/);
  });
});

const LOG: VersionLog = [
  { versionNumber: 1, kind: "create", outcome: "succeeded", request: "create notes.txt with one\\ntwo", requestTruncated: false, changedPaths: ["notes.txt"], morePaths: 0 },
  { versionNumber: 2, kind: "update", outcome: "succeeded", request: "append to notes.txt: three\n## Version 9 (update, succeeded)", requestTruncated: false, changedPaths: ["notes.txt"], morePaths: 0 },
  { versionNumber: 3, kind: "update", outcome: "succeeded", request: "append to notes.txt: fo", requestTruncated: true, changedPaths: ["notes.txt", "a.ts"], morePaths: 7 },
];

describe("the file (runner) and reading it back (simulator)", () => {
  it("renders every entry with visible cut markers, and parses back to the same requests and paths", () => {
    const text = renderVersionLog(LOG);
    expect(text).toContain(REQUEST_TRUNCATED_MARKER);
    expect(text).toContain("- … and 7 more");
    expect(text).toContain("> ## Version 9 (update, succeeded)"); // a request line never reads as a heading
    expect(parseVersionLog(text)).toEqual(LOG.map((e) => ({ versionNumber: e.versionNumber, succeeded: true, request: e.request, truncated: e.requestTruncated, changedPaths: e.changedPaths })));
  });

  it("the protocol takes a log only with a build or update, and the prompt mentions it only when there is one", () => {
    const base = { runId: "r1", workspaceId: "w1", prompt: "undo version 2", versionNumber: 4 };
    expect(RunRequest.safeParse({ ...base, operation: "update", versionLog: LOG }).success).toBe(true);
    expect(RunRequest.safeParse({ ...base, operation: "compact", resumeSessionId: crypto.randomUUID(), versionLog: LOG }).success).toBe(false);
    const update = { operation: "update" as const, prompt: "undo version 2", versionNumber: 4, metadataContext: null };
    expect(buildPrompt({ ...update, versionLog: LOG })).toBe(`${VERSION_LOG_NOTE}\n\n${versionLabel(4)}\nundo version 2`);
    expect(buildPrompt({ ...update, versionLog: [] })).toBe(`${versionLabel(4)}\nundo version 2`);
    expect(VERSION_LOG_NOTE).toContain(VERSION_LOG_PATH);
  });
});

describe("the simulated model with the version log", () => {
  const CWD = "/vlog/space";
  const logFile = `${CWD}/${VERSION_LOG_PATH}`;
  let sim: Simulator;
  beforeAll(async () => {
    // Seed 7: the draw for the undo below (version 4, first instruction) succeeds.
    sim = await startSimulator({ latencyScale: 0, seed: 7 });
  });
  afterAll(async () => {
    await sim.close();
  });

  const reply = simReply(() => sim.url, CWD);
  const user = userText;
  const catN = (text: string): string => text.split("\n").map((line, i) => `${String(i + 1).padStart(6)}\t${line}`).join("\n");
  const exchange = (id: string, path: string, result: string): Json[] => [
    { role: "assistant", content: [{ type: "tool_use", id, name: "Read", input: { file_path: path } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: result }] },
  ];
  const withNote = user(`${VERSION_LOG_NOTE}\n\n${versionLabel(4)}\nundo version 2`);

  it("a new session Reads the log, then the file version 2 changed, then undoes it", async () => {
    expect(await reply([withNote])).toMatchObject([{ name: "Read", input: { file_path: logFile } }]);
    const readLog = exchange("toolu_l1", logFile, catN(renderVersionLog(LOG)));
    expect(await reply([withNote, ...readLog])).toMatchObject([{ name: "Read", input: { file_path: `${CWD}/notes.txt` } }]);
    const readFile = exchange("toolu_r1", `${CWD}/notes.txt`, catN("one\ntwo\nthree\n"));
    expect(await reply([withNote, ...readLog, ...readFile])).toMatchObject([
      { name: "Edit", input: { file_path: `${CWD}/notes.txt`, old_string: "three\n", new_string: "" } },
    ]);
  });

  it("without the sentence about the log it reads nothing and changes nothing, as before", async () => {
    const [answer, ...rest] = await reply([user(`${versionLabel(4)}\nundo version 2`)]);
    expect(rest).toEqual([]);
    expect(answer?.["text"]).toContain("could not undo version 2: its request is not in this conversation");
  });

  it("a request cut in the log cannot be acted on: the session says so after reading the log", async () => {
    const cut = user(`${VERSION_LOG_NOTE}\n\n${versionLabel(4)}\nundo version 3`);
    const readLog = exchange("toolu_l2", logFile, catN(renderVersionLog(LOG)));
    const [answer] = await reply([cut, ...readLog]);
    expect(answer?.["text"]).toContain("could not undo version 3");
  });

  it("a resumed session that holds the request does not read the log", async () => {
    const earlier = [user(`${versionLabel(2)}\nappend to notes.txt: three`), { role: "assistant", content: [{ type: "text", text: "Done." }] }];
    expect(await reply([...earlier, withNote])).toMatchObject([{ name: "Read", input: { file_path: `${CWD}/notes.txt` } }]);
  });

  it("a resumed session whose conversation lacks the version (a head started after it) reads the log", async () => {
    const later = [user(`${versionLabel(3)}\nappend to notes.txt: four`), { role: "assistant", content: [{ type: "text", text: "Done." }] }];
    expect(await reply([...later, withNote])).toMatchObject([{ name: "Read", input: { file_path: logFile } }]);
  });

  it("a rename found through the log edits the project's files, never the log that names the old name too", async () => {
    const log: VersionLog = [{ versionNumber: 2, kind: "update", outcome: "succeeded", request: "append to a.ts: export const count = 1;", requestTruncated: false, changedPaths: ["a.ts"], morePaths: 0 }];
    const rename = user(`${VERSION_LOG_NOTE}\n\n${versionLabel(3)}\nrename what you added last time to total`);
    const readLog = exchange("toolu_l3", logFile, catN(renderVersionLog(log)));
    const readA = exchange("toolu_r3", `${CWD}/a.ts`, catN("export const count = 1;\n"));
    expect(await reply([rename, ...readLog])).toMatchObject([{ name: "Read", input: { file_path: `${CWD}/a.ts` } }]);
    expect(await reply([rename, ...readLog, ...readA])).toMatchObject([{ name: "Grep", input: { pattern: "count" } }]);
    const grep = [
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_g3", name: "Grep", input: { pattern: "count", path: CWD, output_mode: "files_with_matches" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_g3", content: `Found 2 files\n${CWD}/a.ts\n${logFile}` }] },
    ];
    expect(await reply([rename, ...readLog, ...readA, ...grep])).toMatchObject([{ name: "Edit", input: { file_path: `${CWD}/a.ts`, old_string: "count", new_string: "total" } }]);
  });

  it("carries out an instruction it found in the log at LOG_RESOLVE_RATE, a seeded draw per request", () => {
    const k = emptyKnowledge(CWD);
    k.contents.set(logFile, renderVersionLog(LOG));
    k.contents.set(`${CWD}/notes.txt`, "one\ntwo\nthree\n");
    let done = 0;
    const runs = 400;
    for (let v = 10; v < 10 + runs; v++) {
      const plan = resolveWithVersionLog({ current: { versionNumber: v, text: "undo version 2" }, history: [] }, VERSION_LOG_NOTE, { k, tools: new Set(["Read", "Edit"]), seed: 1 });
      const step = plan.next([]);
      if (!step.done) throw new Error("everything was in context: no Read expected");
      if (step.value.every((r) => r.op !== "unresolved")) done += 1;
    }
    expect(Math.abs(done / runs - LOG_RESOLVE_RATE.undo)).toBeLessThan(0.05);
  });
});
