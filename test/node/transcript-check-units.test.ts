// The transcript check and its repairs on small hand-built transcripts in the engine's line
// shape (uuid, parentUuid, sessionId, message.content). The real engine's transcripts,
// damaged, are in transcript-check.test.ts.
import { describe, expect, it } from "vitest";
import { checkTranscriptForResume } from "../../container/src/transcript-check/check.ts";
import { INTERRUPTED_TOOL_CALL, repairTranscript } from "../../container/src/transcript-check/repair.ts";
import { toolPairingErrors } from "../../scripts/simulator/pairing.ts";
import type { Block } from "../../scripts/simulator/types.ts";

const SID = "11111111-1111-4111-8111-111111111111";
const OTHER = "22222222-2222-4222-8222-222222222222";
type Line = Record<string, unknown>;

const user = (uuid: string, parent: string | null, content: unknown): Line => ({ type: "user", uuid, parentUuid: parent, sessionId: SID, cwd: "/w", message: { role: "user", content } });
const assistant = (uuid: string, parent: string, id: string, content: unknown[]): Line => ({ type: "assistant", uuid, parentUuid: parent, sessionId: SID, cwd: "/w", message: { id, role: "assistant", content } });
const call = (id: string) => ({ type: "tool_use", id, name: "Write", input: {} });
const result = (id: string) => ({ type: "tool_result", tool_use_id: id, content: "ok" });
const text = (lines: Line[]): string => lines.map((l) => JSON.stringify(l)).join("\n") + "\n";

/** prompt → call → result → answer, plus a metadata line without uuid. */
function healthy(): Line[] {
  return [
    { type: "queue-operation", sessionId: SID },
    user("u1", null, "Request for version 1:\ncreate a.txt"),
    assistant("a1", "u1", "m1", [call("t1")]),
    user("u2", "a1", [result("t1")]),
    assistant("a2", "u2", "m2", [{ type: "text", text: "Done." }]),
    { type: "cost-state", sessionId: SID, totalCostUSD: 0.01 },
  ];
}

const kinds = (t: string) => checkTranscriptForResume(t, SID).findings.map((f) => [f.kind, f.repairable]);

describe("transcript check", () => {
  it("passes a whole conversation", () => {
    expect(checkTranscriptForResume(text(healthy()), SID).findings).toEqual([]);
  });

  it("parallel calls of one message may be answered together, and a compaction boundary is a root", () => {
    const lines = [
      user("u1", null, "x"),
      assistant("a1", "u1", "m1", [call("t1")]),
      assistant("a1b", "a1", "m1", [call("t2")]),
      user("u2", "a1b", [result("t1")]),
      user("u3", "u2", [result("t2")]),
      { type: "system", subtype: "compact_boundary", uuid: "s1", parentUuid: null, sessionId: SID },
      user("u4", "s1", "summary"),
    ];
    expect(kinds(text(lines))).toEqual([]);
  });

  it("passes parallel calls as the engine writes them: each result a child of its own call's line", () => {
    // Claude Code 2.1.330, a 30-file scaffold: the calls are chained lines of one message,
    // but result n's parent is call n's line, so only the last result is on the leaf's chain.
    const lines = [
      user("u1", null, "x"),
      assistant("a1", "u1", "m1", [call("t1")]),
      assistant("a2", "a1", "m1", [call("t2")]),
      assistant("a3", "a2", "m1", [call("t3")]),
      user("r1", "a1", [result("t1")]),
      user("r2", "a2", [result("t2")]),
      user("r3", "a3", [result("t3")]),
      assistant("a4", "r3", "m2", [{ type: "text", text: "Done." }]),
    ];
    expect(kinds(text(lines))).toEqual([]);
    // One result missing is still a call the conversation went on from.
    expect(kinds(text(lines.filter((l) => l.uuid !== "r2")))).toEqual([["dangling_tool_use", false]]);
  });

  it("flags a truncated last line as repairable, a bad line mid-file as not", () => {
    const whole = text(healthy());
    expect(kinds(`${whole}{"type":"user","uuid":"u9","par`)).toEqual([["truncated_last_line", true]]);
    const lines = whole.split("\n");
    lines.splice(2, 0, "{not json");
    expect(kinds(lines.join("\n"))).toEqual([["invalid_json", false]]);
    expect(kinds(`${whole}[1,2]\n`)).toEqual([["not_an_object", false]]);
  });

  it("closes the calls of an interrupted last turn, as the engine does", () => {
    const lines = healthy().slice(0, 3); // the call, never answered
    const report = checkTranscriptForResume(text(lines), SID);
    expect(report.findings.map((f) => [f.kind, f.repairable, f.line])).toEqual([["dangling_tool_use", true, 3]]);
    const repaired = repairTranscript(report);
    const added = repaired.trim().split("\n").slice(-2).map((l) => JSON.parse(l) as Line);
    expect(added[0]).toMatchObject({ type: "user", parentUuid: "a1", toolDenialKind: "interrupted", sessionId: SID, cwd: "/w", message: { content: [{ type: "tool_result", tool_use_id: "t1", is_error: true, content: INTERRUPTED_TOOL_CALL }] } });
    expect(added[1]).toMatchObject({ type: "assistant", parentUuid: added[0]?.uuid, message: { model: "<synthetic>", content: [{ type: "text", text: "No response requested." }] } });
    expect(checkTranscriptForResume(repaired, SID).findings).toEqual([]);
  });

  it("refuses a call the conversation went on from without its result, and a result that answers nothing", () => {
    const lines = [user("u1", null, "x"), assistant("a1", "u1", "m1", [call("t1")]), assistant("a2", "a1", "m2", [{ type: "text", text: "y" }])];
    expect(kinds(text(lines))).toEqual([["dangling_tool_use", false]]);
    const orphan = [user("u1", null, "x"), assistant("a1", "u1", "m1", [{ type: "text", text: "y" }]), user("u2", "a1", [result("t9")])];
    expect(kinds(text(orphan))).toEqual([["orphan_tool_result", false]]);
  });

  it("refuses a broken or looping parentUuid chain", () => {
    const broken = healthy();
    broken[3] = { ...broken[3], parentUuid: "missing" };
    expect(kinds(text(broken))).toEqual([["broken_chain", false]]);
    const loop = healthy();
    loop[1] = { ...loop[1], parentUuid: "a2" };
    expect(kinds(text(loop))).toEqual([["broken_chain", false]]);
  });

  it("drops a repeated line; refuses a uuid naming two different lines", () => {
    const lines = healthy();
    const repeated = text([...lines.slice(0, 4), lines[3] as Line, ...lines.slice(4)]);
    const report = checkTranscriptForResume(repeated, SID);
    expect(report.findings.map((f) => [f.kind, f.repairable])).toEqual([["duplicate_line", true]]);
    expect(repairTranscript(report)).toBe(text(lines));
    const conflicting = text([...lines.slice(0, 4), { ...(lines[3] as Line), message: { role: "user", content: "other" } }, ...lines.slice(4)]);
    expect(kinds(conflicting)).toEqual([["duplicate_uuid", false]]);
  });

  it("refuses a line of another session and a file without a conversation", () => {
    const lines = healthy();
    lines[2] = { ...lines[2], sessionId: OTHER };
    expect(kinds(text(lines))).toEqual([["other_session", false]]);
    expect(kinds(text([{ type: "queue-operation", sessionId: SID }]))).toEqual([["no_conversation", false]]);
  });

  it("names lines and ids in its findings, never content", () => {
    const lines = healthy();
    lines[2] = { ...lines[2], sessionId: OTHER };
    const secret = "TOP-SECRET-PROMPT";
    lines[1] = user("u1", null, secret);
    for (const f of checkTranscriptForResume(`${text(lines)}{"x":"${secret}`, SID).findings) expect(f.detail).not.toContain(secret);
  });
});

describe("the simulator's pairing check (what the model API refuses)", () => {
  it("names a call without its result in the next message, and a result answering nothing", () => {
    const at = { cache: null, key: "", chars: 0 };
    const use: Block = { kind: "tool_use", id: "t1", name: "Write", input: {}, ...at };
    const res: Block = { kind: "tool_result", toolUseId: "t1", text: "", isError: false, ...at };
    const prompt: Block = { kind: "text", text: "x", ...at };
    expect(toolPairingErrors([{ role: "user", blocks: [prompt] }, { role: "assistant", blocks: [use] }, { role: "user", blocks: [res] }])).toEqual([]);
    expect(toolPairingErrors([{ role: "user", blocks: [prompt] }, { role: "assistant", blocks: [use] }, { role: "user", blocks: [prompt] }])).toEqual(["messages.1: tool_use t1 has no tool_result in the next message"]);
    expect(toolPairingErrors([{ role: "user", blocks: [res] }])).toEqual(["messages.0: tool_result t1 answers no tool_use of the message before"]);
  });
});
