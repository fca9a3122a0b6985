// The real Claude Code engine (Agent SDK query()) against the simulator: a build, an update
// that resumes (and forks) the build's session, a fresh-session update for contrast, and /compact.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { query } from "@anthropic-ai/claude-agent-sdk";
import type { SDKResultMessage } from "@anthropic-ai/claude-agent-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../scripts/simulator/server.ts";
import type { RequestLogEntry, Simulator } from "../../scripts/simulator/server.ts";

const require = createRequire(import.meta.url);
const engineInstalled = (() => {
  try {
    return existsSync(join(dirname(require.resolve("@anthropic-ai/claude-agent-sdk-linux-x64/package.json")), "claude"));
  } catch {
    return false;
  }
})();

interface Run {
  sessionId: string;
  result: SDKResultMessage;
  requests: RequestLogEntry[];
}

describe.skipIf(!engineInstalled)("Claude Code engine against the simulator", () => {
  let sim: Simulator;
  let workspace: string;
  let configDir: string;

  beforeAll(async () => {
    sim = await startSimulator({ latencyScale: 0 });
    workspace = await mkdtemp(join(tmpdir(), "sim-ws-"));
    configDir = await mkdtemp(join(tmpdir(), "sim-claude-"));
  });
  afterAll(async () => {
    await sim.close();
    await rm(workspace, { recursive: true, force: true });
    await rm(configDir, { recursive: true, force: true });
  });

  async function run(prompt: string, resume?: { sessionId: string; fork: boolean }): Promise<Run> {
    const before = sim.requests().length;
    let sessionId = "";
    let result: SDKResultMessage | null = null;
    const messages = query({
      prompt,
      options: {
        cwd: workspace,
        model: "claude-sonnet-4-5",
        permissionMode: "bypassPermissions",
        allowDangerouslySkipPermissions: true,
        env: {
          ...process.env,
          ANTHROPIC_BASE_URL: sim.url,
          ANTHROPIC_API_KEY: "sk-simulated",
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
          CLAUDE_CONFIG_DIR: configDir,
          IS_SANDBOX: "1",
        },
        ...(resume ? { resume: resume.sessionId, forkSession: resume.fork } : {}),
      },
    });
    for await (const message of messages) {
      if ("session_id" in message && typeof message.session_id === "string") sessionId = message.session_id;
      if (message.type === "result") result = message;
    }
    if (result === null) throw new Error("no result message");
    return { sessionId, result, requests: sim.requests().slice(before) };
  }

  const calls = (r: Run): string[] => r.requests.flatMap((q) => q.toolCalls.map((c) => c.name));
  const simulatedCost = (r: Run): number => r.requests.reduce((sum, q) => sum + q.costUsd, 0);

  it("builds, resumes into a fork that edits without re-reading, and compacts", async () => {
    const build = await run("Build the project:\ncreate notes.txt with hello\nscaffold 3 files under src");
    expect(build.result.subtype).toBe("success");
    expect(await readFile(join(workspace, "notes.txt"), "utf8")).toBe("hello\n");
    expect(await readFile(join(workspace, "src/module-03.ts"), "utf8")).toContain('export const id = "module-03";');
    expect(calls(build)).toEqual(["Write", "Write", "Write", "Write"]);
    expect(build.requests.every((q) => q.sessionId === build.sessionId)).toBe(true);
    // Claude Code prices the simulated usage exactly as the simulator does.
    expect(build.result.total_cost_usd).toBeCloseTo(simulatedCost(build), 6);

    const update = await run("append to notes.txt: world\nreplace in src/module-01.ts: export const id => export const ident", {
      sessionId: build.sessionId,
      fork: true,
    });
    expect(update.result.subtype).toBe("success");
    expect(update.sessionId).not.toBe(build.sessionId);
    expect(await readFile(join(workspace, "notes.txt"), "utf8")).toBe("hello\nworld\n");
    expect(await readFile(join(workspace, "src/module-01.ts"), "utf8")).toContain('export const ident = "module-01";');
    // The resumed request carried the build turn, so the model edited straight away.
    const [first] = update.requests;
    expect(first?.sessionId).toBe(update.sessionId);
    expect(first?.userPrompts[0]).toContain("create notes.txt with hello");
    expect(first?.userPrompts.at(-1)).toContain("append to notes.txt: world");
    expect(first?.filesInContext).toBe(4);
    expect(calls(update)).toEqual(["Edit", "Edit"]);
    // Measured: a resumed session's total_cost_usd also counts the runs it continues.
    expect(update.result.total_cost_usd).toBeCloseTo(simulatedCost(build) + simulatedCost(update), 6);
    // …and found the conversation's prefix in the prompt cache.
    expect(first?.usage?.cache_read_input_tokens).toBeGreaterThan(build.requests.at(-1)?.usage?.cache_read_input_tokens ?? 0);

    const fresh = await run("append to notes.txt: again");
    expect(fresh.result.subtype).toBe("success");
    expect(await readFile(join(workspace, "notes.txt"), "utf8")).toBe("hello\nworld\nagain\n");
    expect(fresh.requests[0]?.userPrompts).toEqual(["append to notes.txt: again"]);
    expect(calls(fresh)).toEqual(["Read", "Edit"]);

    const compact = await run("/compact", { sessionId: update.sessionId, fork: false });
    expect(compact.result.subtype).toBe("success");
    expect(compact.sessionId).toBe(update.sessionId);
    expect(compact.requests.map((q) => q.kind)).toEqual(["compaction"]);
  });
});
