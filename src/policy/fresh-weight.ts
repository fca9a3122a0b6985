// Plain fresh keeps no context, so it competes at its predicted cost times a weight for the
// risk that it gets the request wrong and the user asks again. The risk depends on what the
// request asks (request-kind.ts): one that names its files or a feature can be done by a
// session that knows nothing (the benchmark measured fresh right on every such edit), one
// that refers to earlier work can fail without the context (docs/policy.md: the weights).
import type { RequestKind } from "./request-kind.ts";

/** The weight plain fresh's predicted cost is multiplied by for this kind of request. */
export function freshWeightFor(kind: RequestKind, config: { freshWeight: number; freshWeightOrdinary: number }): number {
  return kind === "context" ? config.freshWeight : config.freshWeightOrdinary;
}
