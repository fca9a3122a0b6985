// Per-update numbers over time (the aggregates of /v1/metrics cannot be charted against
// time): the latest succeeded updates in scope, each with its mode, cost, time, tokens and
// the age of the session it resumed. Same population as updates.ts: kind update,
// succeeded, with a final resume decision.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { projects, projectVersions } from "../db/schema.ts";
import type { UpdatePoint } from "../domain/console-views.ts";
import { storedPredictions } from "../db/repo/version-view.ts";
import { PATH_OPTIONS } from "../policy/types.ts";
import type { PathOption } from "../policy/types.ts";
import { inScope } from "./scope.ts";
import { resumeAges } from "./sessions.ts";
import type { MetricsScope } from "./types.ts";

const num = (value: unknown): number => Number(value ?? 0);

/**
 * The predicted cost of one option from the stored predictions; null when absent. Resume
 * also when it was ruled out (no session, stale, …): it could not have run. Fresh always
 * could, whatever the project's SESSION_POLICY allowed.
 */
function optionCost(raw: unknown, option: PathOption): number | null {
  const p = storedPredictions(raw).find((x) => x.option === option);
  return p === undefined || (option === "resume" && !p.allowed) ? null : p.costUsd;
}

export async function updateSeries(db: Db, scope: MetricsScope, limit: number): Promise<UpdatePoint[]> {
  const v = projectVersions;
  const result = await db.execute<Record<string, unknown>>(sql`
    select ${v.projectId} as project_id, ${projects.name} as project_name, ${v.versionNumber} as version_number,
      (extract(epoch from ${v.completedAt}) * 1000)::float8 as completed_ms, ${v.resumeDecision} as decision, ${v.resumeReason} as reason,
      ${v.costUsd} as cost_usd, ${v.durationMs} as duration_ms, ${v.inputTokens} as input_tokens,
      ${v.outputTokens} as output_tokens, ${v.cacheCreationInputTokens} as cache_creation,
      ${v.cacheReadInputTokens} as cache_read, ages.age::float8 as age,
      ${v.policyChoice} as policy_choice, ${v.predictedCostUsd} as predicted_cost, ${v.policyPredictions} as predictions
    from ${v}
    join ${projects} on ${projects.id} = ${v.projectId}
    left join (select version_id, max(age) as age from (${resumeAges(scope)}) a group by version_id) ages on ages.version_id = ${v.id}
    where ${v.kind} = 'update' and ${v.status} = 'succeeded' and ${v.resumeDecision} is not null
      and ${v.completedAt} is not null and ${inScope(db, scope, v.projectId)}
    order by ${v.completedAt} desc, ${v.id} desc
    limit ${limit}`);
  return result.rows.reverse().map((row): UpdatePoint => ({
    projectId: String(row["project_id"]),
    projectName: String(row["project_name"]),
    versionNumber: num(row["version_number"]),
    completedAt: new Date(num(row["completed_ms"])).toISOString(),
    mode: row["decision"] === "resume" ? "resumed" : "fresh",
    reason: typeof row["reason"] === "string" ? row["reason"] : null,
    costUsd: num(row["cost_usd"]),
    durationMs: num(row["duration_ms"]),
    inputTokens: num(row["input_tokens"]),
    outputTokens: num(row["output_tokens"]),
    cacheCreationInputTokens: num(row["cache_creation"]),
    cacheReadInputTokens: num(row["cache_read"]),
    sessionAgeSeconds: row["age"] === null || row["age"] === undefined ? null : num(row["age"]),
    policyChoice: PATH_OPTIONS.find((o) => o === row["policy_choice"]) ?? null,
    predictedCostUsd: row["predicted_cost"] === null || row["predicted_cost"] === undefined ? null : num(row["predicted_cost"]),
    predictedFreshCostUsd: optionCost(row["predictions"], "fresh"),
    predictedResumeCostUsd: optionCost(row["predictions"], "resume"),
  }));
}
