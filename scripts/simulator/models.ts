// GET /v1/models: the models of the product's model table (src/models/table.ts), the only
// models the simulator answers. Release dates and capabilities are not modelled (Claude Code
// never lists models when nonessential traffic is off).
import type { ModelInfo } from "@anthropic-ai/sdk/resources/models";
import { findModel as findSpec, MODELS } from "../../src/models/table.ts";
import type { ModelSpec } from "../../src/models/table.ts";

function info(spec: ModelSpec): ModelInfo {
  return {
    type: "model",
    id: spec.id,
    display_name: spec.name,
    created_at: "1970-01-01T00:00:00Z",
    capabilities: null,
    deprecated_at: null,
    lifecycle: "active",
    line: null,
    max_input_tokens: spec.contextWindowTokens,
    max_tokens: null,
    retires_at: null,
  };
}

export function listModels(): { data: ModelInfo[]; has_more: false; first_id: string | null; last_id: string | null } {
  const data = MODELS.map(info);
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

/** A table id or its dated form (`claude-sonnet-4-5-20250929`); null when the table does not have it. */
export function findModel(id: string): ModelInfo | null {
  const spec = findSpec(id);
  return spec === null ? null : info(spec);
}
