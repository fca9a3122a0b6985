// The request log's `costUsd`: the usage priced with the product's model table
// (src/models/table.ts), the same table the benchmark checks against Claude Code's own
// total_cost_usd. The simulator answers only models the table knows (messages.ts), so a
// price is always found.
import { priceUsd, usageFromApi } from "../../src/models/pricing.ts";
import type { ApiUsage } from "../../src/models/pricing.ts";
import { findModel } from "../../src/models/table.ts";
import type { ModelPrices } from "../../src/models/table.ts";

/** The table's prices for a model the simulator answers (throws for one it would refuse). */
export function priceFor(model: string): ModelPrices {
  const spec = findModel(model);
  if (spec === null) throw new Error(`model ${model} is not in src/models/table.ts`);
  return spec.prices;
}

export function costUsd(model: string, usage: ApiUsage): number {
  return priceUsd(model, usageFromApi(usage)) ?? 0;
}
