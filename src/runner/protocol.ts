// The runner protocol is defined once, beside the runner (docs/runner-protocol.md);
// the Worker uses the same zod schemas so both sides stay in step.
export * from "../../container/src/protocol.ts";
