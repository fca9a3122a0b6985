// The project's files as the runner has them after a job, for comparing with the expected
// workspace: the tree (GET /v1/workspaces/:id/tree), then each file's blob. Read through
// the product's own runner client, so the benchmark speaks runner protocol v2 as the DO
// does (the DO uses the project id as the workspace id).
import { HttpRunnerClient } from "../src/runner/http-client.ts";
import type { Files } from "../scripts/simulator/reference.ts";

const CALL_TIMEOUT_MS = 30_000;

export async function readWorkspace(runnerUrl: string, projectId: string, token = ""): Promise<Files> {
  const base = new URL(runnerUrl);
  const runner = new HttpRunnerClient({
    // The client addresses http://runner/…; send each request to the local runner instead.
    transport: (request) => {
      const url = new URL(request.url);
      url.protocol = base.protocol;
      url.host = base.host;
      return fetch(new Request(url, request));
    },
    token,
    callTimeoutMs: CALL_TIMEOUT_MS,
    deadline: Number.POSITIVE_INFINITY,
  });
  const tree = await runner.tree(projectId);
  const files: Files = {};
  for (const entry of tree.files) {
    const blob = await runner.openBlob(projectId, entry.sha256);
    files[entry.path] = await new Response(blob.body).text();
  }
  return files;
}
