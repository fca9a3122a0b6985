import { describe, expect, it } from "vitest";
import { describeEvent, explainDecision, fallbackKey } from "../../console/src/lib/words.ts";
import { classifyToken } from "../../console/src/lib/token.ts";

describe("plain words", () => {
  it("explains every resume decision the DO stores", () => {
    expect(explainDecision("resume", "resumable")).toMatchObject({ kind: "resumed", title: "Resumed" });
    expect(explainDecision("fresh", "no_session: the project has no session yet")).toEqual({ kind: "fresh", title: "Fresh session", reason: "the project had no session yet" });
    expect(explainDecision("fresh", "stale: last used 1500 min ago (limit 1440 min)").reason).toBe("the session had not been used for too long (last used 1500 min ago (limit 1440 min))");
    expect(explainDecision("fresh", "fallback:session_not_found")).toMatchObject({ kind: "fallback", reason: "the runner had no transcript for the session, so a new session was started" });
    expect(explainDecision("fresh", "something_new: detail").reason).toBe("Something new");
    expect(explainDecision(null, null).kind).toBe("unknown");
  });

  it("shows the resume policy's own explanations as they are, titled by their choice", () => {
    expect(explainDecision("resume", "resumed: cache warm, written 2 min ago; predicted $0.030 vs $0.080 fresh")).toEqual({ kind: "resumed", title: "Resumed", reason: "cache warm, written 2 min ago; predicted $0.030 vs $0.080 fresh" });
    expect(explainDecision("fresh", "fresh with handoff: stale: last used 2 days ago; predicted $0.068")).toEqual({ kind: "fresh", title: "Fresh session with a handoff", reason: "stale: last used 2 days ago; predicted $0.068" });
    expect(explainDecision("resume", "compacted and resumed: cache warm, written 1 min ago; predicted $0.21 vs $0.25 with a handoff").title).toBe("Compacted, then resumed");
    expect(explainDecision("fresh", "policy_never: SESSION_POLICY is never: every update starts a new session").reason).toBe("the project's session policy is never: every update starts a new session");
    expect(fallbackKey("fresh with handoff")).toBe("Chosen by the resume policy: fresh session with a handoff");
    expect(fallbackKey("fallback:session_corrupted")).toBe("Fell back: the session's transcript was damaged");
    expect(explainDecision("fresh", "fallback:transcript_invalid").reason).toMatch(/^the session's transcript failed the check before resuming .*handoff/);
    expect(fallbackKey("reset_requested")).toBe("Fresh: the session was reset by the owner");
  });

  it("describes every job event type without leaking undefined or objects", () => {
    const samples: [string, Record<string, unknown>][] = [
      ["queued", { versionNumber: 2 }],
      ["running", { versionNumber: 2, resumedAfterInterruption: false }],
      ["decision", { resume: true, reason: "resumable", sessionId: "0b2c6f1e-aaaa-bbbb-cccc-123456789012" }],
      ["decision", { resume: false, reason: "stale: last used 30 min ago (limit 10 min)", sessionId: null }],
      ["step_started", { step: "update", resumeSessionId: null }],
      ["progress", { step: "update", type: "tool_use", name: "Edit", target: "src/a.ts" }],
      ["progress", { step: "update", type: "assistant_text", text: "Done." }],
      ["retrying", { step: "update", attempt: 1, waitMs: 500, code: "overloaded" }],
      ["fallback", { reason: "session_not_found" }],
      ["fallback", { reason: "transcript_invalid", handoff: true, findings: [{ kind: "broken_chain", line: 14, detail: "x", repairable: false }] }],
      ["progress", { step: "update", type: "transcript_repaired", sessionId: "a", copySessionId: "b", findings: [{ kind: "dangling_tool_use", line: 9, detail: "x", repairable: true }] }],
      ["rehydrated", { what: "transcript", sessionId: "s" }],
      ["workspace_restored", { fileCount: 3 }],
      ["session_changed", { step: "update", from: "a", to: "b", relation: "forked" }],
      ["step_finished", { step: "metadata", sessionId: "b", usage: { costUsd: 0.0123, cacheReadInputTokens: 1234, durationMs: 3200 } }],
      ["warning", { message: "metadata generation failed" }],
      ["succeeded", { totals: { costUsd: 0.05, durationMs: 12_000 } }],
      ["failed", { error: { code: "runner_unavailable", message: "The AI runner stayed overloaded." } }],
      ["waiting_for_runner", {}],
    ];
    for (const [type, data] of samples) {
      const text = describeEvent(type, data);
      expect(text, type).toBeTypeOf("string");
      expect(text, type).not.toMatch(/undefined|\[object|NaN/);
    }
    expect(describeEvent("fallback", samples[9]?.[1] ?? {})).toMatch(/^Fell back to a fresh session: the session's transcript failed the check .* \(found: a broken message chain at line 14\)\.$/);
    expect(describeEvent("progress", samples[10]?.[1] ?? {})).toBe("Transcript repaired on a copy before resuming (a tool call without its result at line 9); resuming session b.");
    expect(describeEvent("step_finished", samples[14]?.[1] ?? {})).toBe("Metadata step finished: $0.0123, 1,234 cache-read tokens, 3.2 s.");
    expect(describeEvent("progress", { type: "session", sessionId: "x" })).toBeNull();
    expect(describeEvent("step_finished", { step: "update", usage: { costUsd: 0.05, cacheReadInputTokens: 0, durationMs: 3200 }, cacheNote: "history written again: cache expired 12 min after its 5-minute write (3,144 tokens)" })).toBe(
      "Update step finished: $0.0500, 0 cache-read tokens, 3.2 s. History written again: cache expired 12 min after its 5-minute write (3,144 tokens).",
    );
    expect(describeEvent("cache_check", { predictedWarm: true, measured: "prefix_changed", agrees: false })).toBe("Cache not as predicted (warm): the resumed history was written again (prefix changed).");
    expect(describeEvent("cache_check", { predictedWarm: true, measured: "read", agrees: true })).toBe("Cache as predicted: the resumed history was read.");
  });

  it("tells a user token from the admin token and refuses what cannot work", () => {
    const jwt = (payload: object): string => `eyJhbGciOiJIUzI1NiJ9.${btoa(JSON.stringify(payload)).replace(/=+$/, "")}.sig`;
    const now = Date.now();
    expect(classifyToken(`Bearer ${jwt({ sub: "alice", exp: now / 1000 + 60 })}`, now)).toMatchObject({ kind: "user", userId: "alice" });
    expect(classifyToken(jwt({ sub: "alice", exp: now / 1000 - 60 }), now).kind).toBe("invalid");
    expect(classifyToken(jwt({ exp: now / 1000 + 60 }), now).kind).toBe("invalid");
    expect(classifyToken("dev-admin-token").kind).toBe("admin");
    expect(classifyToken("   ").kind).toBe("invalid");
    expect(classifyToken("two words").kind).toBe("invalid");
  });
});
