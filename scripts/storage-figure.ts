// Storage after a chain of updates, measured: R2 bytes and objects of one project under
// today's layout (content-addressed blobs + tree manifests, transcripts as deltas), beside
// what full copies would have stored for the same chain (every session's whole transcript,
// every version's whole tree: the layout before issues 8 and 11). Runs the whole local
// stack with the real Claude Code engine and the simulator, on the benchmark's workload.
//
//   node scripts/storage-figure.ts [--files 30] [--updates 40] [--seed 1]
import { parseArgs } from "node:util";
import { ApiClient } from "../bench/client.ts";
import { workload } from "../bench/workload.ts";
import { SessionInfoResponse, TreeManifest } from "../container/src/protocol.ts";
import type { SessionView } from "../src/domain/views.ts";
import { startStack } from "./stack.ts";

const { values } = parseArgs({ options: { files: { type: "string", default: "30" }, updates: { type: "string", default: "40" }, seed: { type: "string", default: "1" } } });
const files = Number(values.files);
const updates = Number(values.updates);
const plan = workload({ files, fileKb: null, updates, seed: Number(values.seed), contextChance: 0, featureShare: 0 });

const stack = await startStack({ latencyScale: 0, vars: { COMPACTION_POLICY: "never" } });
try {
  const api = await ApiClient.create(stack.url, stack.authSecret, `storage-${Date.now()}`);
  const tree = async (projectId: string): Promise<TreeManifest> => TreeManifest.parse(await (await fetch(`${stack.runnerUrl}/v1/workspaces/${projectId}/tree`)).json());
  const r2 = async (): Promise<{ bytes: number; objects: number }> => (await api.metrics()).transcriptStorage;

  const created = await api.createProject("storage", plan.createPrompt);
  const projectId = created.project.id;
  if ((await api.finished(projectId, created.job.id, 600_000)).status !== "succeeded") throw new Error("the create failed");
  let previous = await tree(projectId);
  let treeBytes = previous.files.reduce((n, f) => n + f.size, 0);
  let before = await r2();
  const growth: { r2Bytes: number; changedBytes: number }[] = [];
  for (const [i, update] of plan.updates.entries()) {
    const job = await api.postUpdate(projectId, update.prompt);
    if ((await api.finished(projectId, job.job.id, 600_000)).status !== "succeeded") throw new Error(`update ${i + 1} failed`);
    const current = await tree(projectId);
    const old = new Map(previous.files.map((f) => [f.path, f.sha256]));
    const changedBytes = current.files.filter((f) => old.get(f.path) !== f.sha256).reduce((n, f) => n + f.size, 0);
    treeBytes += current.files.reduce((n, f) => n + f.size, 0);
    const after = await r2();
    growth.push({ r2Bytes: after.bytes - before.bytes, changedBytes });
    process.stderr.write(`update ${i + 1}/${updates}: R2 ${after.bytes} bytes in ${after.objects} objects\n`);
    before = after;
    previous = current;
  }

  // Full copies: every session of the chain stored whole, every version's tree stored whole.
  const chain = await api.call<SessionView>("GET", `/v1/projects/${projectId}/session?limit=100`);
  let transcriptBytes = 0;
  for (const link of chain.history) {
    const info = SessionInfoResponse.parse(await (await fetch(`${stack.runnerUrl}/v1/workspaces/${projectId}/sessions/${link.sessionId}`)).json());
    transcriptBytes += info.transcriptBytes;
  }
  const versions = updates + 1;
  const full = { bytes: transcriptBytes + treeBytes, objects: chain.history.length + versions };
  const measured = await r2();
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
  console.log(`project of ${files} files, ${updates} updates (${chain.history.length} sessions, ${versions} versions)`);
  console.log(`full copies:        ${kb(full.bytes)} in ${full.objects} objects (transcripts ${kb(transcriptBytes)}, trees ${kb(treeBytes)})`);
  console.log(`measured R2 (new):  ${kb(measured.bytes)} in ${measured.objects} objects — ${(full.bytes / measured.bytes).toFixed(1)}× fewer bytes`);
  console.log(`per update: R2 grew ${kb(mean(growth.map((g) => g.r2Bytes)))} on average for ${kb(mean(growth.map((g) => g.changedBytes)))} of changed files`);
  console.log(JSON.stringify({ files, updates, full, measured, growth }));
} finally {
  await stack.stop();
}
