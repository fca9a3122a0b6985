import { describe, expect, it } from "vitest";
import type { ChainConfig } from "../../src/config.ts";
import { contextTokens, shouldCompact } from "../../src/do/compaction.ts";
import { decide, structuralChange } from "../../src/do/decision.ts";
import type { ResultEvent } from "../../src/runner/protocol.ts";
import type { ChainState } from "../../src/do/storage/chain.ts";

const config: ChainConfig = {
  resumeEnabled: true, maxAgeMs: 24 * 3_600_000, structuralChangeThreshold: 0.5, compactionPolicy: "threshold",
  compactionThresholdTokens: 1000, maxAttempts: 3, retryBaseMs: 1, retryBudgetMs: 100, ownershipWaitMs: 0,
};
const now = Date.UTC(2026, 10, 24);
const chain: ChainState = {
  headSessionId: "0b9c7f5e-8d4a-4b6a-9a43-5b0f6f0f8a11", headVersionNumber: 3, headCreatedAt: now - 60_000, headLastUsedAt: now - 60_000,
  resumable: true, failureCount: 0, generation: 7, fingerprint: null, resetPending: false,
};

describe("resume decision", () => {
  it("resumes a healthy, recent head", () => {
    expect(decide({ config, projectOverride: null, chain, now })).toEqual({ resume: true, sessionId: chain.headSessionId, reason: "resumable" });
  });
  it("the SESSION_RESUME_ENABLED flag off → fresh; a project override on wins over it", () => {
    const off = { ...config, resumeEnabled: false };
    expect(decide({ config: off, projectOverride: null, chain, now })).toMatchObject({ resume: false, reason: "flag_off" });
    expect(decide({ config: off, projectOverride: true, chain, now })).toMatchObject({ resume: true });
    expect(decide({ config, projectOverride: false, chain, now })).toMatchObject({ resume: false, reason: "project_override_off" });
  });
  it("no session, non-resumable, reset and stale heads are not resumed", () => {
    expect(decide({ config, projectOverride: null, chain: { ...chain, headSessionId: null }, now })).toMatchObject({ reason: "no_session" });
    expect(decide({ config, projectOverride: null, chain: { ...chain, resumable: false }, now })).toMatchObject({ reason: "non_resumable" });
    expect(decide({ config, projectOverride: null, chain: { ...chain, resetPending: true }, now })).toMatchObject({ reason: "reset_requested" });
    const old = now - 24 * 3_600_000 - 1;
    expect(decide({ config, projectOverride: null, chain: { ...chain, headLastUsedAt: old }, now })).toMatchObject({ reason: "stale" });
    expect(decide({ config, projectOverride: null, chain: { ...chain, headLastUsedAt: now - 23 * 3_600_000 }, now })).toMatchObject({ resume: true });
  });
  it("structural change counts added and removed files, not edits", () => {
    const fp = (files: Record<string, string>) => ({ fileCount: Object.keys(files).length, treeHash: "0".repeat(64), files, changes: null });
    const before = fp({ a: "1", b: "1", c: "1", d: "1" });
    expect(structuralChange(before, fp({ a: "2", b: "2", c: "2", d: "2" }))).toBe(0);
    expect(structuralChange(before, fp({ a: "1", b: "1", e: "1" }))).toBe(0.75);
  });
});

describe("compaction policy", () => {
  const result = (contextTokens: number | undefined): ResultEvent => ({
    type: "result", sessionId: "0b9c7f5e-8d4a-4b6a-9a43-5b0f6f0f8a11",
    usage: { inputTokens: 3000, outputTokens: 10, cacheCreationInputTokens: 1000, cacheReadInputTokens: 8000 },
    totalCostUsd: 0, costUsd: 0, durationMs: 1, numTurns: 4, toolCalls: 0, filesRead: 0, refusedToolCalls: 0, text: "", metadata: null,
    fingerprint: { fileCount: 0, treeHash: "0".repeat(64), files: {}, changes: null },
    ...(contextTokens !== undefined ? { contextTokens } : {}),
  });
  it("always / never / above the threshold, using the context size the runner reports", () => {
    expect(shouldCompact({ compactionPolicy: "always", compactionThresholdTokens: 1e9 }, null)).toBe(true);
    expect(shouldCompact({ compactionPolicy: "never", compactionThresholdTokens: 0 }, result(1e6))).toBe(false);
    const threshold = { compactionPolicy: "threshold", compactionThresholdTokens: 5000 } as const;
    expect(shouldCompact(threshold, result(5001))).toBe(true);
    expect(shouldCompact(threshold, result(4999))).toBe(false);
    expect(shouldCompact(threshold, null)).toBe(false);
    // an older runner: the average prompt per turn, (3000 + 8000 + 1000) / 4 = 3000
    expect(contextTokens(result(undefined))).toBe(3000);
    expect(shouldCompact(threshold, result(undefined))).toBe(false);
  });
});
