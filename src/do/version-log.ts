// The job's version log, from the project memory in the DO's own SQLite (storage/memory.ts
// keeps the last MAX_REMEMBERED_UPDATES versions with request and changed paths): no Postgres read.
import type { VersionLog } from "../runner/protocol.ts";
import { MAX_VERSION_LOG_ENTRIES } from "../runner/protocol.ts";
import { buildVersionLog } from "../version-log/build.ts";
import type { JobContext } from "./context.ts";

/** The log for the job's build or update when VERSION_LOG is on; null otherwise or when there is no earlier version. */
export function versionLogFor(ctx: Pick<JobContext, "versionLog" | "memory" | "job">): VersionLog | null {
  // One more than the cap: the memory may already hold this job's own version (a retried job).
  return ctx.versionLog ? buildVersionLog(ctx.memory.recentUpdates(MAX_VERSION_LOG_ENTRIES + 1), ctx.job.versionNumber) : null;
}
