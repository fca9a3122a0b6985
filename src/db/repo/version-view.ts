import type { VersionPolicy, VersionView } from "../../domain/views.ts";
import type { OptionPrediction } from "../../policy/types.ts";
import type { ProjectVersion } from "../schema.ts";

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** The stored predictions (jsonb written by the DO), keeping only well-formed entries. */
function predictions(raw: unknown): OptionPrediction[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter((p): p is OptionPrediction => typeof p === "object" && p !== null && typeof (p as OptionPrediction).option === "string" && typeof (p as OptionPrediction).costUsd === "number");
}

function policyView(v: ProjectVersion): VersionPolicy | null {
  if (v.policyChoice === null) return null;
  return {
    choice: v.policyChoice,
    predictions: predictions(v.policyPredictions),
    predictedCostUsd: v.predictedCostUsd,
    predictedDurationMs: v.predictedDurationMs,
    actualCostUsd: v.actualCostUsd,
    actualDurationMs: v.actualDurationMs,
    cacheTtl: v.cacheTtl,
  };
}

/** A version row as plain JSON data (dates as ISO strings) for RPC and the API. */
export function versionView(v: ProjectVersion): VersionView {
  return {
    id: v.id,
    versionNumber: v.versionNumber,
    branch: v.branch,
    restoredFrom: v.restoredFrom,
    pinned: v.pinned,
    prunedAt: iso(v.prunedAt),
    kind: v.kind,
    status: v.status,
    prompt: v.prompt,
    jobId: v.jobId,
    aiSessionId: v.aiSessionId,
    aiSessionCreatedAt: iso(v.aiSessionCreatedAt),
    aiSessionLastUsedAt: iso(v.aiSessionLastUsedAt),
    resumeDecision: v.resumeDecision,
    resumeReason: v.resumeReason,
    cacheNote: v.cacheNote,
    recommendations: Array.isArray(v.recommendations) ? v.recommendations.filter((r): r is string => typeof r === "string") : null,
    documentation: v.documentation,
    documentationFromVersion: v.documentationFromVersion,
    policy: policyView(v),
    usage: {
      inputTokens: v.inputTokens,
      outputTokens: v.outputTokens,
      cacheCreationInputTokens: v.cacheCreationInputTokens,
      cacheReadInputTokens: v.cacheReadInputTokens,
      costUsd: v.costUsd,
      durationMs: v.durationMs,
    },
    errorCode: v.errorCode,
    errorMessage: v.errorMessage,
    createdAt: v.createdAt.toISOString(),
    completedAt: iso(v.completedAt),
  };
}
