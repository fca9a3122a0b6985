// The version log through the real runner and Claude Code engine against the simulator: the
// runner writes .session-chain/versions.md, a new session asked to undo a version it never
// saw Reads it and carries the undo out, and the file is never part of the project (not in
// the fingerprint, its changes or the tree; a tree import refuses it).
import { readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectPaths } from "../../container/src/paths.ts";
import { VERSION_LOG_PATH } from "../../container/src/product-dir.ts";
import { VERSION_LOG_NOTE } from "../../container/src/prompts.ts";
import type { RunRequestInput, VersionLog } from "../../container/src/protocol.ts";
import type { RunningRunner } from "../../container/src/server.ts";
import { startSimulator } from "../../scripts/simulator/server.ts";
import type { Simulator } from "../../scripts/simulator/server.ts";
import { expectResult, getTree, importFiles, startTestRunner } from "../support/runner-harness.ts";

let sim: Simulator;
let runner: RunningRunner;
const tempDirs: string[] = [];
const WS = "vlog-ws";

beforeAll(async () => {
  // Seed 7: the simulator's draw for "undo version 2" as version 3 succeeds (LOG_RESOLVE_RATE).
  sim = await startSimulator({ latencyScale: 0, seed: 7 });
  runner = await startTestRunner({ modelUrl: sim.url }, tempDirs);
});

afterAll(async () => {
  await runner?.close();
  await sim?.close();
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

const LOG: VersionLog = [
  { versionNumber: 1, kind: "create", outcome: "succeeded", request: "create notes.txt with one", requestTruncated: false, changedPaths: ["notes.txt"], morePaths: 0 },
  { versionNumber: 2, kind: "update", outcome: "succeeded", request: "append to notes.txt: two", requestTruncated: false, changedPaths: ["notes.txt"], morePaths: 0 },
];

const update = (runId: string, versionNumber: number, prompt: string, versionLog: VersionLog | null): RunRequestInput => ({
  runId, workspaceId: WS, operation: "update", prompt, versionNumber, resumeSessionId: null, versionLog,
});

function workspaceFile(rel: string): string {
  const dataDir = tempDirs[0] ?? "";
  return path.join(projectPaths(dataDir, WS).workspace, rel);
}

describe("the version log through the runner", () => {
  it("is written before a new session's run, read for an undo of work the session never saw, and never counted as project content", async () => {
    await expectResult(runner, { runId: "vlog-1", workspaceId: WS, operation: "build", prompt: "create notes.txt with one", versionNumber: 1 });
    await expectResult(runner, update("vlog-2", 2, "append to notes.txt: two", null));
    expect(await readFile(workspaceFile("notes.txt"), "utf8")).toBe("one\ntwo\n");

    const { result, events } = await expectResult(runner, update("vlog-3", 3, "undo version 2", LOG));
    // The session read the log, then the file version 2 changed, then edited it.
    const reads = events.flatMap((e) => (e.type === "tool_use" && e.name === "Read" ? [e.target] : []));
    expect(reads[0]).toBe(VERSION_LOG_PATH);
    expect(reads).toContain("notes.txt");
    expect(await readFile(workspaceFile("notes.txt"), "utf8")).toBe("one\n");
    // The file is there for the model, and nowhere in what the product keeps.
    expect(await readFile(workspaceFile(VERSION_LOG_PATH), "utf8")).toContain("> append to notes.txt: two");
    expect(Object.keys(result.fingerprint.files)).toEqual(["notes.txt"]);
    expect(result.fingerprint.changes).toEqual({ added: [], removed: [], modified: ["notes.txt"] });
    expect((await getTree(runner, WS)).files.map((f) => f.path)).toEqual(["notes.txt"]);
  });

  it("the prompt mentions the log only when there is one", async () => {
    const prompts = sim.requests().flatMap((r) => r.userPrompts);
    expect(prompts.some((p) => p.includes(VERSION_LOG_NOTE))).toBe(true);
  });

  it("a run without a log removes a stale one, and the session cannot undo what it never saw", async () => {
    const { result } = await expectResult(runner, update("vlog-4", 4, "undo version 1", null));
    expect(result.text).toContain("could not undo version 1");
    await expect(stat(workspaceFile(".session-chain"))).rejects.toThrow(/ENOENT/);
  });

  it("a tree import refuses the product's directory", async () => {
    const res = await importFiles(runner, WS, { "notes.txt": "one\n", [VERSION_LOG_PATH]: "forged\n" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(".session-chain");
  });
});
