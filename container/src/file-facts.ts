// Facts about the workspace's files that the lean metadata step reports: computed here from
// the bytes, never asked of the model (docs/runner-protocol.md, "metadata").
import type { WorkspaceFile } from "./fingerprint.ts";
import { MAX_FIRST_LINE_CHARS } from "./protocol.ts";
import type { FileFacts } from "./protocol.ts";

/** Size, line count (a last line without newline counts) and first non-blank line of a file. */
export function factsOf(file: WorkspaceFile): FileFacts {
  const bytes = file.content.length;
  // A NUL byte in the first 8 KiB: binary, as git decides it; no lines to count or quote.
  if (file.content.subarray(0, 8192).includes(0)) return { path: file.path, bytes, lines: 0, firstLine: "" };
  const text = file.content.toString("utf8");
  const lines = text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  const first = text.split("\n").find((l) => l.trim() !== "")?.trim() ?? "";
  return { path: file.path, bytes, lines, firstLine: first.slice(0, MAX_FIRST_LINE_CHARS) };
}
