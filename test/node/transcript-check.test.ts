// The transcript check before a resume, on transcripts the real Claude Code engine wrote
// (against the model simulator), then damaged on copies: each kind of damage is either
// repaired on a copy (the original untouched) and resumed, or refused with
// transcript_invalid before any model call. Whatever happens, no request the engine sends
// breaks the model API's tool_use/tool_result pairing (the simulator's request log says).
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectPaths } from "../../container/src/paths.ts";
import { ForkSessionResponse, LoggedEvent } from "../../container/src/protocol.ts";
import type { ErrorEvent, ResultEvent, RunEvent, RunRequestInput } from "../../container/src/protocol.ts";
import { startRunner } from "../../container/src/server.ts";
import type { RunningRunner } from "../../container/src/server.ts";
import { checkTranscriptForResume } from "../../container/src/transcript-check/check.ts";
import { INTERRUPTED_TOOL_CALL } from "../../container/src/transcript-check/repair.ts";
import { findTranscript } from "../../container/src/transcripts.ts";
import { startSimulator } from "../../scripts/simulator/server.ts";
import type { Simulator } from "../../scripts/simulator/server.ts";

const WS = "damaged";
let sim: Simulator;
let runner: RunningRunner;
let dataDir: string;
/** The engine's own transcript of a build (a Write call and its result), and its session. */
let original: { sessionId: string; text: string };
let runs = 0;

async function run(body: Omit<RunRequestInput, "runId" | "workspaceId">): Promise<{ events: RunEvent[]; final: ResultEvent | ErrorEvent }> {
  const runId = `tc-${++runs}`;
  const res = await fetch(`${runner.url}/v1/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, runId, workspaceId: WS }) });
  expect(res.status).toBe(202);
  const lines = (await (await fetch(`${runner.url}/v1/runs/${runId}/events?after=0`)).text()).split("\n").filter((l) => l.trim() !== "");
  const events = lines.map((l) => LoggedEvent.parse(JSON.parse(l)) as RunEvent);
  const final = events.at(-1);
  if (final?.type !== "result" && final?.type !== "error") throw new Error("the run did not end");
  return { events, final };
}

const transcriptsDir = (): string => projectPaths(dataDir, WS).transcriptsDir;
const lines = (text: string): string[] => text.split("\n").filter((l) => l !== "");
const sessionOf = (text: string, from: string, to: string): string => text.split(`"sessionId":"${from}"`).join(`"sessionId":"${to}"`);

/** A damaged copy of the original transcript under a new session id, written where the engine looks. */
async function damaged(damage: (lines: string[]) => string): Promise<{ sessionId: string; text: string }> {
  const sessionId = randomUUID();
  const text = damage(lines(sessionOf(original.text, original.sessionId, sessionId)));
  await writeFile(path.join(transcriptsDir(), `${sessionId}.jsonl`), text);
  return { sessionId, text };
}

const isCall = (l: string): boolean => l.includes('"type":"assistant"') && l.includes('"type":"tool_use"');
const isResult = (l: string): boolean => l.includes('"type":"tool_result"');
const uuidOf = (l: string): string => String((JSON.parse(l) as { uuid: unknown }).uuid);

function expectNoBrokenPairs(since: number): void {
  const requests = sim.requests().filter((r) => r.seq > since);
  for (const r of requests) expect(r.toolPairingErrors, `request ${r.seq}`).toEqual([]);
}

beforeAll(async () => {
  sim = await startSimulator({ latencyScale: 0, seed: 17 });
  dataDir = await mkdtemp(path.join(tmpdir(), "transcript-check-"));
  runner = await startRunner({
    dataDir, token: null, log: () => {},
    env: { ANTHROPIC_BASE_URL: sim.url, ANTHROPIC_API_KEY: "sim-key", RUNNER_ENGINE_MAX_RETRIES: "0", RUNNER_MAX_TURNS: "12" },
  });
  const build = await run({ operation: "build", prompt: "create notes.txt with one", versionNumber: 1 });
  if (build.final.type !== "result") throw new Error(`build failed: ${JSON.stringify(build.final)}`);
  const found = await findTranscript(projectPaths(dataDir, WS), build.final.sessionId);
  if (found === null) throw new Error("no transcript");
  original = { sessionId: build.final.sessionId, text: await readFile(found.path, "utf8") };
}, 120_000);

afterAll(async () => {
  await runner?.close();
  await sim?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

describe("the engine's own transcripts", () => {
  it("pass the check as written", () => {
    expect(lines(original.text).some(isCall) && lines(original.text).some(isResult)).toBe(true);
    expect(checkTranscriptForResume(original.text, original.sessionId).findings).toEqual([]);
  });
});

describe("repaired on a copy, then resumed", () => {
  it("an interrupted turn (its call never answered): closed with the engine's marker; the original is untouched", async () => {
    const cut = await damaged((ls) => `${ls.slice(0, ls.findIndex(isCall) + 1).join("\n")}\n`);
    const since = sim.requests().at(-1)?.seq ?? 0;
    const { events, final } = await run({ operation: "update", prompt: "append to notes.txt: two", resumeSessionId: cut.sessionId, versionNumber: 2 });
    expect(final.type).toBe("result");
    const repaired = events.find((e) => e.type === "transcript_repaired");
    expect(repaired).toMatchObject({ sessionId: cut.sessionId, findings: [{ kind: "dangling_tool_use", repairable: true }] });
    if (final.type !== "result" || repaired?.type !== "transcript_repaired") return;
    expect(final.transcriptRepair).toEqual({ sessionId: cut.sessionId, copySessionId: repaired.copySessionId, findings: repaired.findings });
    expect(final.sessionId).toBe(repaired.copySessionId);
    expect(await readFile(path.join(transcriptsDir(), `${cut.sessionId}.jsonl`), "utf8")).toBe(cut.text);
    // The copy carries the closing lines once (the engine found nothing left to close) and resumed cleanly.
    const copy = await readFile(path.join(transcriptsDir(), `${final.sessionId}.jsonl`), "utf8");
    expect(copy.split(INTERRUPTED_TOOL_CALL).length - 1).toBe(2); // the tool_result and its toolUseResult
    expect(checkTranscriptForResume(copy, final.sessionId).findings).toEqual([]);
    expect(sim.requests().filter((r) => r.seq > since && r.sessionId === final.sessionId).length).toBeGreaterThan(0);
    expectNoBrokenPairs(since);
  }, 120_000);

  it("a truncated last line and a repeated line: both left out of the copy", async () => {
    const hurt = await damaged((ls) => {
      const result = ls.findIndex(isResult);
      const repeated = [...ls.slice(0, result + 1), ls[result] ?? "", ...ls.slice(result + 1)];
      return `${repeated.join("\n")}\n${(ls.at(-1) ?? "").slice(0, 40)}`;
    });
    const since = sim.requests().at(-1)?.seq ?? 0;
    const { final } = await run({ operation: "update", prompt: "append to notes.txt: three", resumeSessionId: hurt.sessionId, versionNumber: 2 });
    expect(final.type).toBe("result");
    if (final.type !== "result") return;
    expect(final.transcriptRepair?.findings.map((f) => f.kind).sort()).toEqual(["duplicate_line", "truncated_last_line"]);
    expect(final.text).toContain("appended");
    expectNoBrokenPairs(since);
  }, 120_000);
});

describe("refused before any model call", () => {
  const cases: Array<[string, (ls: string[]) => string, string]> = [
    ["a broken parentUuid chain", (ls) => ls.map((l) => (isResult(l) ? l.replace(/"parentUuid":"[^"]+"/, `"parentUuid":"${randomUUID()}"`) : l)).join("\n") + "\n", "broken_chain"],
    ["a uuid on two different lines", (ls) => {
      const call = ls.findIndex(isCall);
      const twin = (ls[call + 1] ?? "").replace(/"uuid":"[^"]+"/, `"uuid":"${uuidOf(ls[call] ?? "")}"`);
      return [...ls.slice(0, call + 1), twin, ...ls.slice(call + 2)].join("\n") + "\n";
    }, "duplicate_uuid"],
    ["a line of another session", (ls) => ls.map((l, i) => (i === ls.findIndex(isResult) ? sessionOf(l, String((JSON.parse(l) as { sessionId: unknown }).sessionId), randomUUID()) : l)).join("\n") + "\n", "other_session"],
    ["a line that is not JSON mid-file", (ls) => [...ls.slice(0, 3), "{this is not json", ...ls.slice(3)].join("\n") + "\n", "invalid_json"],
  ];

  it("a fork made for a restore or a branch is checked when it is resumed", async () => {
    const bad = await damaged(cases[0]?.[1] ?? ((ls) => ls.join("\n")));
    const res = await fetch(`${runner.url}/v1/workspaces/${WS}/sessions/${bad.sessionId}/fork`, { method: "POST" });
    expect(res.status).toBe(201);
    const fork = ForkSessionResponse.parse(await res.json());
    const before = sim.requests().length;
    const { final } = await run({ operation: "update", prompt: "append to notes.txt: five", resumeSessionId: fork.sessionId, versionNumber: 2 });
    expect(final).toMatchObject({ type: "error", code: "transcript_invalid" });
    if (final.type === "error") expect(final.findings?.map((f) => f.kind)).toEqual(["broken_chain"]);
    expect(sim.requests().length).toBe(before);
  });

  it.each(cases)("%s", async (_name, damage, kind) => {
    const bad = await damaged(damage);
    const before = sim.requests().length;
    const { final } = await run({ operation: "update", prompt: "append to notes.txt: four", resumeSessionId: bad.sessionId, versionNumber: 2 });
    expect(final).toMatchObject({ type: "error", code: "transcript_invalid", retryable: false });
    if (final.type !== "error") return;
    expect(final.findings?.map((f) => f.kind)).toContain(kind);
    expect(final.findings?.every((f) => !f.detail.includes("notes.txt"))).toBe(true);
    expect(sim.requests().length).toBe(before);
    expect(await readFile(path.join(transcriptsDir(), `${bad.sessionId}.jsonl`), "utf8")).toBe(bad.text);
  });
});
