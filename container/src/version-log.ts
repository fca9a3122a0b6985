// The version log a session reads for versions its history never saw: each earlier
// version's number, request and changed paths, written to `.session-chain/versions.md`
// before the engine runs. The model simulator parses this layout (scripts/simulator/version-log.ts).
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { PRODUCT_DIR, VERSION_LOG_PATH } from "./product-dir.ts";
import type { VersionLog, VersionLogEntry } from "./protocol.ts";

export const VERSION_LOG_TITLE = "# Versions of this project";
/** Line that closes a request cut by the product. */
export const REQUEST_TRUNCATED_MARKER = "> [… request truncated]";

const INTRO =
  "Written by the product before this session started, oldest first: each version's number, the user's request and the paths it changed. It is not part of the project: do not edit it.";

/** `## Version 7 (update, succeeded)`: the heading that opens an entry. */
export function entryHeading(entry: Pick<VersionLogEntry, "versionNumber" | "kind" | "outcome">): string {
  return `## Version ${entry.versionNumber} (${entry.kind}, ${entry.outcome})`;
}

function pathLines(entry: VersionLogEntry): string[] {
  if (entry.changedPaths === null) return ["Changed paths: not recorded"];
  if (entry.changedPaths.length === 0 && entry.morePaths === 0) return ["Changed paths: none"];
  const more = entry.morePaths > 0 ? [`- … and ${entry.morePaths} more`] : [];
  return ["Changed paths:", ...entry.changedPaths.map((p) => `- ${p}`), ...more];
}

export function renderVersionLog(log: VersionLog): string {
  const blocks = log.map((entry) => {
    // Quoted, so no line of a request can read as a heading of the log.
    const request = entry.request.split("\n").map((line) => `> ${line}`);
    return [entryHeading(entry), "Request:", ...request, ...(entry.requestTruncated ? [REQUEST_TRUNCATED_MARKER] : []), ...pathLines(entry)].join("\n");
  });
  return `${[VERSION_LOG_TITLE, "", INTRO, "", blocks.join("\n\n")].join("\n")}\n`;
}

/**
 * Writes the log into the workspace, or removes a stale one when there is none. The
 * directory is removed first (rm never follows a symlink), so the write lands in a
 * directory the runner just made, never through a link the model left.
 */
export async function writeVersionLog(workspace: string, log: VersionLog | null): Promise<void> {
  await rm(path.join(workspace, PRODUCT_DIR), { recursive: true, force: true });
  if (log === null || log.length === 0) return;
  await mkdir(path.join(workspace, PRODUCT_DIR));
  await writeFile(path.join(workspace, VERSION_LOG_PATH), renderVersionLog(log), { flag: "wx" });
}

