// Pure rules of the runner: error classification, transcript checks, snapshot paths,
// metadata parsing and usage accounting. No engine, no network.
import { describe, expect, it } from "vitest";
import { classifyOutcome } from "../../container/src/classify.ts";
import type { EngineOutcome } from "../../container/src/classify.ts";
import { toolTarget } from "../../container/src/engine.ts";
import { diffHashes, toFingerprint } from "../../container/src/fingerprint.ts";
import { buildPrompt, parseMetadata, parseVersionLabel, versionLabel } from "../../container/src/prompts.ts";
import { RunEvent, RunRequest } from "../../container/src/protocol.ts";
import { checkTreePaths, safeRelativePath } from "../../container/src/snapshot.ts";
import { checkTranscript, readCostState } from "../../container/src/transcripts.ts";
import { runUsage } from "../../container/src/usage.ts";

const S1 = "11111111-1111-4111-8111-111111111111";
const S2 = "22222222-2222-4222-8222-222222222222";

function outcome(over: Partial<EngineOutcome>): EngineOutcome {
  return {
    operation: "update",
    resumeSessionId: S1,
    transcriptExisted: true,
    sawInit: true,
    lastSessionId: S2,
    result: null,
    assistantErrors: [],
    thrown: undefined,
    abortReason: null,
    ...over,
  };
}

function result(over: Partial<NonNullable<EngineOutcome["result"]>>): NonNullable<EngineOutcome["result"]> {
  return { subtype: "success", isError: false, text: "ok", errors: [], apiErrorStatus: null, numTurns: 1, sessionId: S2, ...over };
}

describe("classifyOutcome", () => {
  it("passes a successful turn", () => {
    expect(classifyOutcome(outcome({ result: result({}) }))).toBeNull();
  });

  it("maps 'No conversation found' to session_not_found, or session_corrupted when the file was there", () => {
    const r = result({ subtype: "error_during_execution", isError: true, text: "", errors: [`No conversation found with session ID: ${S1}`] });
    expect(classifyOutcome(outcome({ result: r, transcriptExisted: false, sawInit: false }))?.code).toBe("session_not_found");
    expect(classifyOutcome(outcome({ result: r, transcriptExisted: true, sawInit: false }))?.code).toBe("session_corrupted");
    // The SDK's throw carries the same text when no result was kept.
    const thrown = new Error(`Claude Code returned an error result: No conversation found with session ID: ${S1}`);
    expect(classifyOutcome(outcome({ thrown, transcriptExisted: false }))?.code).toBe("session_not_found");
  });

  it("maps an engine start-up failure on an existing transcript to session_corrupted", () => {
    const r = result({ subtype: "error_during_execution", isError: true, text: "", errors: ["Failed to load session transcript"] });
    expect(classifyOutcome(outcome({ result: r, sawInit: false }))?.code).toBe("session_corrupted");
  });

  it.each([429, 500, 502, 529])("maps api_error_status %i to overloaded (retryable)", (status) => {
    const failure = classifyOutcome(outcome({ result: result({ isError: true, text: `API Error: ${status}`, apiErrorStatus: status }) }));
    expect(failure?.code).toBe("overloaded");
    expect(failure?.retryable).toBe(true);
    expect(failure?.sessionId).toBe(S2);
  });

  it("maps a non-retryable API status to internal", () => {
    const failure = classifyOutcome(outcome({ result: result({ isError: true, text: "API Error: 401 invalid x-api-key", apiErrorStatus: 401 }) }));
    expect(failure?.code).toBe("internal");
    expect(failure?.retryable).toBe(false);
  });

  it("maps network failures and overload texts to overloaded", () => {
    const refused = result({ isError: true, text: "API Error: Connection refused — a firewall or proxy may be blocking it (ECONNREFUSED)" });
    expect(classifyOutcome(outcome({ result: refused }))?.code).toBe("overloaded");
    const flagged = result({ isError: true, text: "API Error" });
    expect(classifyOutcome(outcome({ result: flagged, assistantErrors: ["rate_limit"] }))?.code).toBe("overloaded");
  });

  it("maps thrown API errors by status", () => {
    const apiError = Object.assign(new Error("Overloaded"), { status: 529 });
    expect(classifyOutcome(outcome({ thrown: apiError }))?.code).toBe("overloaded");
    const badKey = Object.assign(new Error("invalid key"), { status: 401 });
    expect(classifyOutcome(outcome({ thrown: badKey }))?.code).toBe("internal");
    expect(classifyOutcome(outcome({ thrown: new TypeError("fetch failed") }))?.code).toBe("overloaded");
  });

  it("maps a compaction error to compact_failed with the unchanged session", () => {
    const r = result({ text: "Error during compaction: API Error: 500 Internal server error" });
    const failure = classifyOutcome(outcome({ operation: "compact", result: r }));
    expect(failure?.code).toBe("compact_failed");
    expect(failure?.sessionId).toBe(S1);
    expect(failure?.retryable).toBe(false);
  });

  it("reports turn limits, aborts and missing results as internal without stack traces", () => {
    expect(classifyOutcome(outcome({ result: result({ subtype: "error_max_turns", isError: true, numTurns: 30 }) }))?.message).toMatch(/turn limit/);
    expect(classifyOutcome(outcome({ abortReason: "the run timed out" }))?.retryable).toBe(true);
    const failure = classifyOutcome(outcome({ thrown: new Error("boom\n    at secret (/app/src/x.ts:1:1)") }));
    expect(failure?.code).toBe("internal");
    expect(failure?.message).toBe("boom");
    expect(classifyOutcome(outcome({}))?.code).toBe("internal");
  });
});

describe("checkTranscript", () => {
  const line = (sessionId: string, extra = {}) => JSON.stringify({ type: "user", sessionId, ...extra });

  it("accepts the session's own lines", () => {
    expect(checkTranscript(`${line(S1)}\n${line(S1)}\n`, S1, false)).toEqual({ ok: true, lines: 2 });
  });

  it("rejects invalid JSON, other sessions and empty files", () => {
    expect(checkTranscript("not json\n", S1, false).ok).toBe(false);
    expect(checkTranscript(`${line(S2)}\n`, S1, false)).toMatchObject({ ok: false, reason: expect.stringMatching(/another session/) });
    expect(checkTranscript("", S1, false).ok).toBe(false);
    expect(checkTranscript("[1,2]\n", S1, false).ok).toBe(false);
  });

  it("tolerates a truncated last line only for local files", () => {
    const text = `${line(S1)}\n{"type":"assi`;
    expect(checkTranscript(text, S1, true).ok).toBe(true);
    expect(checkTranscript(text, S1, false).ok).toBe(false);
  });
});

describe("tree paths", () => {
  it.each(["../x", "a/../../x", "/etc/passwd", "a\\..\\b", "a//b", "./a", ".git/config", "a/.git/HEAD", "", "a\u0000b"])(
    "rejects %j",
    (p) => {
      expect(() => safeRelativePath(p)).toThrow();
    },
  );

  it("accepts normal relative paths", () => {
    expect(safeRelativePath("src/a.ts")).toBe("src/a.ts");
    expect(safeRelativePath(".github/workflows/ci.yml")).toBe(".github/workflows/ci.yml");
  });

  it("rejects duplicates and file/directory clashes", () => {
    expect(() => checkTreePaths(["a", "a"])).toThrow(/duplicate/);
    expect(() => checkTreePaths(["a", "a/b"])).toThrow(/both/);
    expect(() => checkTreePaths(["src/a.ts", "src/b.ts"])).not.toThrow();
  });
});

describe("metadata parsing", () => {
  const meta = { recommendations: ["add tests"], documentation: "# App" };
  it.each([
    ["bare JSON", JSON.stringify(meta)],
    ["fenced", `Here you go:\n\`\`\`json\n${JSON.stringify(meta)}\n\`\`\``],
    ["with prose around", `Sure. ${JSON.stringify(meta)} Done.`],
  ])("finds %s", (_name, text) => {
    expect(parseMetadata(text)).toEqual(meta);
  });

  it("returns null when there is no metadata object", () => {
    expect(parseMetadata("no json here")).toBeNull();
    expect(parseMetadata('{"recommendations": "not a list", "documentation": ""}')).toBeNull();
  });
});

describe("prompts", () => {
  const base = { prompt: "append to a.ts: x", metadataContext: null };

  it("labels build and update prompts with the version the user sees", () => {
    expect(buildPrompt({ ...base, operation: "update", versionNumber: 4 })).toBe("Request for version 4:\nappend to a.ts: x");
    expect(buildPrompt({ ...base, operation: "build", versionNumber: undefined })).toBe("append to a.ts: x");
    expect(parseVersionLabel(versionLabel(12))).toBe(12);
    expect(parseVersionLabel("Request for version four:")).toBeNull();
  });

  it("hands the metadata step the previous documentation and the changed paths, or asks for new documentation", () => {
    const update = buildPrompt({
      operation: "metadata",
      prompt: "",
      versionNumber: 5,
      metadataContext: { previousDocumentation: "# App\n- `a.ts`", changedPaths: ["a.ts", "b.ts"] },
    });
    expect(update).toMatch(/^SESSION_CHAIN_METADATA_REQUEST\n/);
    expect(update).toContain("Update it rather than writing it again");
    expect(update).toContain("Paths changed since then:\n- a.ts\n- b.ts\n<previous-documentation>\n# App\n- `a.ts`\n</previous-documentation>");
    const first = buildPrompt({ operation: "metadata", prompt: "", versionNumber: 1, metadataContext: { previousDocumentation: null, changedPaths: [] } });
    expect(first).toContain("There is no documentation yet");
    expect(first).not.toContain("<previous-documentation>");
    expect(buildPrompt({ operation: "metadata", prompt: "", versionNumber: 1, metadataContext: null })).not.toContain("Paths changed");
  });
});

describe("usage accounting", () => {
  it("subtracts the totals the resumed transcript had saved", () => {
    const transcript = [
      JSON.stringify({ type: "cost-state", sessionId: S1, totalCostUSD: 0.1, modelUsage: { m: { inputTokens: 100, outputTokens: 10, cacheReadInputTokens: 0, cacheCreationInputTokens: 50 } } }),
      JSON.stringify({ type: "cost-state", sessionId: S1, totalCostUSD: 0.2, modelUsage: { m: { inputTokens: 200, outputTokens: 20, cacheReadInputTokens: 0, cacheCreationInputTokens: 100 } } }),
    ].join("\n");
    const baseline = readCostState(transcript);
    expect(baseline.totalCostUsd).toBe(0.2);
    const usage = runUsage(baseline, {
      totalCostUsd: 0.35,
      modelUsage: { m: { inputTokens: 230, outputTokens: 25, cacheReadInputTokens: 300, cacheCreationInputTokens: 100 } },
      usage: {},
    });
    expect(usage).toEqual({
      totalCostUsd: 0.35,
      costUsd: 0.15,
      usage: { inputTokens: 30, outputTokens: 5, cacheReadInputTokens: 300, cacheCreationInputTokens: 0 },
    });
  });

  it("falls back to the result's usage without per-model totals", () => {
    const usage = runUsage(readCostState(""), {
      totalCostUsd: 0.01,
      modelUsage: null,
      usage: { input_tokens: 7, output_tokens: 3, cache_creation_input_tokens: 2, cache_read_input_tokens: 1 },
    });
    expect(usage.usage).toEqual({ inputTokens: 7, outputTokens: 3, cacheCreationInputTokens: 2, cacheReadInputTokens: 1 });
    expect(usage.costUsd).toBe(0.01);
  });
});

describe("fingerprint and protocol", () => {
  it("diffs file hashes", () => {
    const before = new Map([["a", "1"], ["b", "2"]]);
    const after = new Map([["a", "1"], ["b", "3"], ["c", "4"]]);
    expect(diffHashes(before, after)).toEqual({ added: ["c"], removed: [], modified: ["b"] });
    const fp = toFingerprint(new Map(), null);
    expect(fp).toMatchObject({ fileCount: 0, changes: null, files: {} });
    expect(fp.treeHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("makes tool targets workspace-relative", () => {
    expect(toolTarget({ file_path: "/w/p/src/a.ts" }, "/w/p")).toBe("src/a.ts");
    expect(toolTarget({ pattern: "**/*.ts" }, "/w/p")).toBe("**/*.ts");
    expect(toolTarget({ file_path: "/elsewhere/x" }, "/w/p")).toBe("/elsewhere/x");
    expect(toolTarget({}, "/w/p")).toBeNull();
  });

  it("validates run requests the way both sides need", () => {
    const base = { runId: "job_x:update:1", workspaceId: "p" };
    expect(RunRequest.safeParse({ ...base, operation: "build", prompt: "x" }).data).toMatchObject({ resumeSessionId: null, forkSession: true });
    expect(RunRequest.safeParse({ ...base, operation: "compact" }).success).toBe(false);
    expect(RunRequest.safeParse({ ...base, operation: "metadata", resumeSessionId: null }).success).toBe(false);
    expect(RunRequest.safeParse({ ...base, operation: "build", prompt: "" }).success).toBe(false);
    expect(RunRequest.safeParse({ ...base, operation: "build", prompt: "x", resumeSessionId: S1 }).success).toBe(false);
    expect(RunRequest.safeParse({ ...base, workspaceId: "../x", operation: "build", prompt: "x" }).success).toBe(false);
    // a run id is a directory name on the runner's disk
    for (const runId of ["../x", ".hidden", "a/b", ""]) expect(RunRequest.safeParse({ ...base, runId, operation: "build", prompt: "x" }).success).toBe(false);
    expect(RunEvent.safeParse({ type: "session", sessionId: S1 }).success).toBe(true);
    const meta = { ...base, operation: "metadata", resumeSessionId: S1 };
    expect(RunRequest.safeParse(meta).data).toMatchObject({ metadataContext: null });
    expect(RunRequest.safeParse({ ...meta, versionNumber: 0 }).success).toBe(false);
    expect(RunRequest.safeParse({ ...meta, metadataContext: { previousDocumentation: "x".repeat(100_001), changedPaths: [] } }).success).toBe(false);
    expect(RunRequest.safeParse({ ...meta, metadataContext: { previousDocumentation: null, changedPaths: Array.from({ length: 1001 }, (_, i) => `f${i}`) } }).success).toBe(false);
  });
});
