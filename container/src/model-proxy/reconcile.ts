// The proxy sees every model call of a run; the engine reports what it believes it used.
// They should agree to the token: a difference means calls the engine did not account for
// (or the other way round), which matters for billing and for the benchmark's figures.
import type { Usage } from "../protocol.ts";
import type { RunTraffic } from "./tokens.ts";

/** A one-line description of the difference, or null when the counts agree. */
export function usageMismatch(seen: RunTraffic, engine: Usage): string | null {
  const keys = Object.keys(engine) as (keyof Usage)[];
  const differing = keys.filter((key) => seen.usage[key] !== engine[key]);
  if (differing.length === 0) return null;
  return differing.map((key) => `${key} proxy=${seen.usage[key]} engine=${engine[key]}`).join(", ");
}
