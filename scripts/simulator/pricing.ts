// List prices (USD per million tokens) of the Claude API, so the request log's cost can be
// compared with Claude Code's own total_cost_usd. Cache reads cost 0.1× input, cache writes
// 1.25× (5 min TTL) or 2× (1 h TTL). Long-context surcharges are not modelled.
import type { Usage } from "./types.ts";

export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

const PRICES: ReadonlyArray<readonly [RegExp, ModelPrice]> = [
  [/opus-4-[5-9]|opus-[5-9]/, { inputPerMTok: 5, outputPerMTok: 25 }],
  [/opus/, { inputPerMTok: 15, outputPerMTok: 75 }],
  [/haiku-4/, { inputPerMTok: 1, outputPerMTok: 5 }],
  [/3-5-haiku|haiku-3-5/, { inputPerMTok: 0.8, outputPerMTok: 4 }],
  [/haiku/, { inputPerMTok: 0.25, outputPerMTok: 1.25 }],
  [/sonnet/, { inputPerMTok: 3, outputPerMTok: 15 }],
];

const DEFAULT_PRICE: ModelPrice = { inputPerMTok: 3, outputPerMTok: 15 };

export const CACHE_READ_FACTOR = 0.1;
export const CACHE_WRITE_5M_FACTOR = 1.25;
export const CACHE_WRITE_1H_FACTOR = 2;

export function priceFor(model: string): ModelPrice {
  return PRICES.find(([pattern]) => pattern.test(model))?.[1] ?? DEFAULT_PRICE;
}

export function costUsd(model: string, usage: Usage): number {
  const { inputPerMTok, outputPerMTok } = priceFor(model);
  const inputUnits =
    usage.input_tokens +
    usage.cache_read_input_tokens * CACHE_READ_FACTOR +
    usage.cache_creation.ephemeral_5m_input_tokens * CACHE_WRITE_5M_FACTOR +
    usage.cache_creation.ephemeral_1h_input_tokens * CACHE_WRITE_1H_FACTOR;
  return (inputUnits * inputPerMTok + usage.output_tokens * outputPerMTok) / 1_000_000;
}
