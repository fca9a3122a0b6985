import type { MetadataContext, Metadata, ResultEvent } from "../runner/protocol.ts";
import { MAX_CHANGED_PATHS, MAX_PREVIOUS_DOCUMENTATION_CHARS } from "../runner/protocol.ts";
import type { JobContext } from "./context.ts";

// The job pipeline's use of the project memory (storage/memory.ts): each version's changed
// paths are stored when its build or update step succeeds, so the metadata step, even of a
// job resumed after an interruption, can be handed the previous documentation and what
// changed since, and update the documentation instead of writing it again.

/** Paths the step's run added, modified or removed; for a build without a baseline, every file. */
function changedPaths(ctx: JobContext, result: Pick<ResultEvent, "fingerprint">): string[] | null {
  const changes = result.fingerprint.changes;
  if (changes !== null) return [...new Set([...changes.added, ...changes.modified, ...changes.removed])].sort();
  return ctx.job.kind === "create" ? Object.keys(result.fingerprint.files).sort() : null;
}

function remember(ctx: JobContext, changed: string[] | null, outcome: "succeeded" | "failed"): void {
  const { job } = ctx;
  ctx.memory.recordUpdate({ versionNumber: job.versionNumber, kind: job.kind, prompt: job.prompt, changedPaths: changed, outcome, at: ctx.now() });
}

export function rememberUpdate(ctx: JobContext, result: Pick<ResultEvent, "fingerprint">): void {
  remember(ctx, changedPaths(ctx, result), "succeeded");
}

/**
 * A failed version leaves the workspace as it was: the runner's baseline only moves on a
 * successful run, so whatever the failure left is reported by the next success's changes.
 */
export function rememberFailure(ctx: JobContext): void {
  remember(ctx, [], "failed");
}

/**
 * The metadata step's context: the latest documentation and every path changed since the
 * version it describes. Null (document from scratch) when the changes are not all known or
 * the context would exceed the protocol's bounds: cutting it would mislead the model.
 */
export function metadataContext(ctx: JobContext): MetadataContext | null {
  const { previous, changedPaths: paths } = documentedChanges(ctx);
  if (paths === null || paths.length > MAX_CHANGED_PATHS) return null;
  if (previous !== null && previous.documentation.length > MAX_PREVIOUS_DOCUMENTATION_CHARS) return null;
  return { previousDocumentation: previous?.documentation ?? null, changedPaths: paths };
}

export interface DocumentedChanges {
  /** The latest documentation (of this version or an earlier one), with its recommendations. */
  previous: { documentation: string; recommendations: string[]; version: number } | null;
  /** Every path changed after that version up to this job's; null when not all are known. */
  changedPaths: string[] | null;
}

export function documentedChanges(ctx: JobContext): DocumentedChanges {
  const memory = ctx.memory.get();
  const version = ctx.job.versionNumber;
  const previous =
    memory.documentation !== null && memory.documentedVersion !== null && memory.documentedVersion <= version
      ? { documentation: memory.documentation, recommendations: memory.recommendations, version: memory.documentedVersion }
      : null;
  const after = previous?.version ?? version - 1;
  return { previous, changedPaths: ctx.memory.changedPathsBetween(after, version, ctx.versions.countBetween(after, version)) };
}

export function rememberDocumentation(ctx: JobContext, metadata: Metadata | null): void {
  if (metadata !== null) ctx.memory.saveDocumentation(ctx.job.versionNumber, metadata, ctx.now());
}
