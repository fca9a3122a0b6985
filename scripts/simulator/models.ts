// Model ids answered by GET /v1/models. Requests may name any model: the simulator echoes
// the requested id, since Claude Code prices usage by model name.
export interface ModelInfo {
  type: "model";
  id: string;
  display_name: string;
  created_at: string;
}

const MODELS: readonly ModelInfo[] = [
  ["claude-opus-4-5-20251101", "Claude Opus 4.5", "2025-11-01"],
  ["claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-01"],
  ["claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29"],
  ["claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05"],
  ["claude-opus-4-20250514", "Claude Opus 4", "2025-05-14"],
  ["claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-14"],
].map(([id = "", name = "", date = ""]): ModelInfo => ({ type: "model", id, display_name: name, created_at: `${date}T00:00:00Z` }));

export function listModels(): { data: readonly ModelInfo[]; has_more: false; first_id: string | null; last_id: string | null } {
  return { data: MODELS, has_more: false, first_id: MODELS[0]?.id ?? null, last_id: MODELS.at(-1)?.id ?? null };
}

/** A full id, or an alias such as `claude-sonnet-4-5` (resolved to the dated id it prefixes). */
export function findModel(id: string): ModelInfo | null {
  return MODELS.find((m) => m.id === id) ?? MODELS.find((m) => m.id.startsWith(`${id}-`)) ?? null;
}
