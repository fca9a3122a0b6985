// The metadata step of a job (docs/policy.md, "The metadata step"), as METADATA_STEP says.
// lean: code computes the facts and what changed; the model, in a fork of the head that never
// becomes it, describes only the changed paths and writes the recommendations; the patch is
// applied to the previous documentation. No model call when the update changed no file.
// legacy: the model re-emits the whole documentation resuming the head, on the chain.
import type { CacheTtl, Metadata } from "../runner/protocol.ts";
import { applyPatch, changesBetween, parseDocumentation, patchContext, renderDocumentation } from "../metadata/documentation.ts";
import type { JobContext } from "./context.ts";
import { emit, warn } from "./context.ts";
import { documentedChanges, metadataContext, rememberDocumentation } from "./project-memory.ts";
import { noteSkippedMetadata } from "./session-policy.ts";
import { optionalStep } from "./step.ts";

const FAILED = "metadata generation failed; the version has no recommendations or documentation";

export async function metadataStep(ctx: JobContext, head: string, cacheTtl: CacheTtl): Promise<void> {
  if (ctx.metadataConfig.step === "legacy") {
    const meta = await optionalStep(ctx, "metadata", head, "", { metadataContext: metadataContext(ctx), cacheTtl, model: ctx.metadataConfig.model });
    if (meta.ok) rememberDocumentation(ctx, meta.result.metadata);
    else warn(ctx, FAILED, `${meta.code}: ${meta.message}`);
    return;
  }
  await leanStep(ctx, head, cacheTtl);
}

/** The version's documentation, in the DO's memory and on the version row, written by `fromVersion`'s step. */
function keep(ctx: JobContext, metadata: Metadata, fromVersion: number): void {
  if (fromVersion === ctx.job.versionNumber) rememberDocumentation(ctx, metadata);
  ctx.outbox.push({
    op: "update_version",
    id: ctx.job.versionId,
    patch: { recommendations: metadata.recommendations, documentation: metadata.documentation, documentationFromVersion: fromVersion },
  });
}

async function leanStep(ctx: JobContext, head: string, cacheTtl: CacheTtl): Promise<void> {
  const version = ctx.job.versionNumber;
  const { previous, changedPaths } = documentedChanges(ctx);
  const previousFiles = previous === null ? null : parseDocumentation(previous.documentation);
  const current = Object.keys(ctx.chain.get().fingerprint?.files ?? {}).sort();
  const context = patchContext(previousFiles, changedPaths, current);

  if (previous !== null && previousFiles !== null && context.changed.length === 0) {
    // Nothing for the model to describe: no model call.
    noteSkippedMetadata(ctx);
    if (context.removed.length === 0) {
      keep(ctx, { documentation: previous.documentation, recommendations: previous.recommendations }, previous.version);
      emit(ctx, "metadata_skipped", { reason: "no file changed", documentationFromVersion: previous.version });
      return;
    }
    // Only removals: code drops their entries; every other fact is as documented.
    const files = previousFiles.filter((f) => !context.removed.includes(f.path));
    const documentation = renderDocumentation({ files, recommendations: previous.recommendations }, changesBetween(previousFiles, context), version, previous.version);
    keep(ctx, { documentation, recommendations: previous.recommendations }, version);
    emit(ctx, "metadata_skipped", { reason: "files were only removed", documentationFromVersion: version });
    return;
  }

  const meta = await optionalStep(ctx, "metadata", head, "", { documentationPatch: context, cacheTtl, model: ctx.metadataConfig.model }, true);
  if (!meta.ok) {
    warn(ctx, FAILED, `${meta.code}: ${meta.message}`);
    return;
  }
  const { metadataPatch: patch, fileFacts: facts } = meta.result;
  if (patch == null || facts === undefined) {
    warn(ctx, FAILED, "the metadata answer held no documentation patch");
    return;
  }
  const doc = applyPatch(previousFiles, facts, patch);
  const changes = previousFiles === null ? null : changesBetween(previousFiles, context);
  const documentation = renderDocumentation(doc, changes, version, previous?.version ?? null);
  keep(ctx, { documentation, recommendations: doc.recommendations }, version);
}
