// The project's files as the runner has them after a job (GET …/workspace/snapshot on the
// runner), for comparing with the expected workspace.
import type { SnapshotResponse } from "../container/src/protocol.ts";
import type { Files } from "../scripts/simulator/reference.ts";

export async function readWorkspace(runnerUrl: string, projectId: string): Promise<Files> {
  const res = await fetch(`${runnerUrl}/v1/projects/${projectId}/workspace/snapshot`);
  if (!res.ok) throw new Error(`runner snapshot of ${projectId}: ${res.status}`);
  const body = (await res.json()) as SnapshotResponse;
  return Object.fromEntries(body.files.map((f) => [f.path, Buffer.from(f.contentBase64, "base64").toString("utf8")]));
}
