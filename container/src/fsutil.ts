// Small filesystem helpers shared by the stores.
import { rename, writeFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";

export function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && (err as { code: unknown }).code === "ENOENT";
}

/** Write-then-rename, so a reader (or a crash) never sees half a file. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}
