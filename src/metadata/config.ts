// The metadata step's vars (docs/policy.md, "The metadata step"), parsed once per job.
import { findModel } from "../models/table.ts";

export const METADATA_STEPS = ["lean", "legacy"] as const;
/**
 * lean: code computes every fact, the model only describes changed paths and writes the
 * recommendations, in a fork that never becomes the head; no model call when no file changed.
 * legacy: the whole documentation re-emitted by the model resuming the update's session, on the
 * chain (the benchmark's `legacy` baseline).
 */
export type MetadataStep = (typeof METADATA_STEPS)[number];

export interface MetadataConfig {
  step: MetadataStep;
  /** METADATA_MODEL: the model the step runs with; null: the engine's default. */
  model: string | null;
}

export function metadataConfig(env: { METADATA_STEP: string; METADATA_MODEL: string }): MetadataConfig {
  const raw = env.METADATA_STEP.trim().toLowerCase();
  const step = METADATA_STEPS.find((s) => s === (raw === "" ? "lean" : raw));
  if (step === undefined) throw new Error(`config METADATA_STEP must be ${METADATA_STEPS.join("|")}, got "${env.METADATA_STEP}"`);
  const model = env.METADATA_MODEL.trim();
  // Only priced models: every dollar the step costs must be explained by the table.
  if (model !== "" && findModel(model) === null) throw new Error(`config METADATA_MODEL names a model that is not in src/models/table.ts: "${model}"`);
  return { step, model: model === "" ? null : model };
}
