// The policy's vars, parsed once per job so a bad value fails loudly.
import { num } from "../config.ts";
import { ENGINE_DEFAULT_MODEL, findModel } from "../models/table.ts";
import type { ModelSpec } from "../models/table.ts";
import { SESSION_POLICIES } from "./types.ts";
import type { SessionPolicy } from "./types.ts";

export interface PolicyConfig {
  /** SESSION_POLICY; a project's own setting (PATCH /v1/projects/:id) wins. */
  mode: SessionPolicy;
  /** SESSION_POLICY_FRESH_WEIGHT: plain fresh competes with its predicted cost times this for a request that refers to earlier work. */
  freshWeight: number;
  /** SESSION_POLICY_FRESH_WEIGHT_ORDINARY: the same for a request that names its files or a feature. */
  freshWeightOrdinary: number;
  /** SESSION_HANDOFF_MAX_TOKENS: the handoff's budget. */
  handoffMaxTokens: number;
  /** SESSION_POLICY_MODEL (empty: the engine's default): whose prices the predictions use. */
  model: ModelSpec;
}

export function parseSessionPolicy(raw: string, name = "SESSION_POLICY"): SessionPolicy {
  const value = raw.trim().toLowerCase();
  const found = SESSION_POLICIES.find((p) => p === value);
  if (found === undefined) throw new Error(`config ${name} must be ${SESSION_POLICIES.join("|")}, got "${raw}"`);
  return found;
}

export function policyConfig(env: Pick<Env, "SESSION_POLICY" | "SESSION_POLICY_FRESH_WEIGHT" | "SESSION_POLICY_FRESH_WEIGHT_ORDINARY" | "SESSION_HANDOFF_MAX_TOKENS" | "SESSION_POLICY_MODEL">): PolicyConfig {
  const modelId = env.SESSION_POLICY_MODEL.trim() === "" ? ENGINE_DEFAULT_MODEL : env.SESSION_POLICY_MODEL.trim();
  const model = findModel(modelId);
  if (model === null) throw new Error(`config SESSION_POLICY_MODEL names a model that is not in src/models/table.ts: "${modelId}"`);
  return {
    mode: parseSessionPolicy(env.SESSION_POLICY),
    freshWeight: num(env.SESSION_POLICY_FRESH_WEIGHT, "SESSION_POLICY_FRESH_WEIGHT", 1),
    freshWeightOrdinary: num(env.SESSION_POLICY_FRESH_WEIGHT_ORDINARY, "SESSION_POLICY_FRESH_WEIGHT_ORDINARY", 1),
    handoffMaxTokens: Math.floor(num(env.SESSION_HANDOFF_MAX_TOKENS, "SESSION_HANDOFF_MAX_TOKENS", 0)),
    model,
  };
}
