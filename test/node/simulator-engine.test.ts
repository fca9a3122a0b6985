// The real Claude Code engine (Agent SDK query()) against the simulator: a build, an update
// that resumes (and forks) the build's session, a fresh-session update for contrast, and
// /compact; a chain of labelled requests run the way the runner runs them, checked against
// the reference executor; and which setting makes the engine ask for 1-hour cache entries.
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { query } from "@anthropic-ai/claude-agent-sdk";
import type { Options, SDKResultMessage } from "@anthropic-ai/claude-agent-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_TOOLS } from "../../container/src/engine.ts";
import { buildPrompt } from "../../container/src/prompts.ts";
import { priceUsd, usageFromApi } from "../../src/models/pricing.ts";
import { ENGINE_DEFAULT_MODEL } from "../../src/models/table.ts";
import { referenceApply } from "../../scripts/simulator/reference.ts";
import type { Files, LabelledRequest } from "../../scripts/simulator/reference.ts";
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

/** Every file of a workspace, by relative path. */
async function filesOf(dir: string): Promise<Files> {
  const out: Files = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[relative(dir, path)] = await readFile(path, "utf8");
  }
  return out;
}

describe.skipIf(!engineInstalled)("Claude Code engine run as the runner runs it", () => {
  let sim: Simulator;
  const dirs: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ latencyScale: 0 });
  });
  afterAll(async () => {
    await sim.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  }

  /** One engine run with the runner's options (container/src/engine.ts): its tools, no settings files, the default model. */
  async function run(cwd: string, configDir: string, prompt: string, extra: { resume?: string; env?: Record<string, string>; options?: Partial<Options> } = {}) {
    const before = sim.requests().length;
    let result: SDKResultMessage | null = null;
    for await (const message of query({
      prompt,
      options: {
        cwd,
        tools: ENGINE_TOOLS,
        allowedTools: ENGINE_TOOLS,
        permissionMode: "bypassPermissions",
        allowDangerouslySkipPermissions: true,
        settingSources: [],
        strictMcpConfig: true,
        env: { PATH: process.env["PATH"] ?? "", HOME: configDir, ANTHROPIC_BASE_URL: sim.url, ANTHROPIC_API_KEY: "sk-simulated", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", CLAUDE_CONFIG_DIR: configDir, IS_SANDBOX: "1", ...extra.env },
        ...(extra.resume !== undefined ? { resume: extra.resume, forkSession: true } : {}),
        ...extra.options,
      },
    })) {
      if (message.type === "result") result = message;
    }
    if (result === null) throw new Error("no result message");
    return { result, requests: sim.requests().slice(before) };
  }

  it("advertises Glob and Grep with the runner's tool list, and carries out a labelled chain exactly as the reference executor", async () => {
    const cwd = await tempDir("sim-chain-ws-");
    const configDir = await tempDir("sim-chain-claude-");
    const chain: string[] = [
      "create src/a.ts with export const a = 1;\ncreate src/b.ts with import { a } from './a';\\nconsole.log(a);",
      "append to src/a.ts: export function helper7() { return a; }",
      "rename what you added last time to widget",
      "append to src/b.ts: console.log('b');",
      "make the same edit you made to src/b.ts in src/c.ts",
      "undo version 4",
    ];
    const history: LabelledRequest[] = [];
    let expected: Files = {};
    let session: string | undefined;
    let billed = 0;
    for (const [i, text] of chain.entries()) {
      const versionNumber = i + 1;
      const prompt = buildPrompt({ operation: versionNumber === 1 ? "build" : "update", prompt: text, versionNumber, metadataContext: null });
      const { result, requests } = await run(cwd, configDir, prompt, session === undefined ? {} : { resume: session });
      expect(result.subtype).toBe("success");
      session = result.session_id;
      expected = referenceApply(expected, prompt, history);
      history.push({ versionNumber, prompt: text });
      expect(await filesOf(cwd), `after version ${versionNumber}`).toEqual(expected);
      // The engine asks for its default model and prices every call with the model table's figures.
      expect(requests.every((r) => r.model === ENGINE_DEFAULT_MODEL)).toBe(true);
      billed += requests.reduce((sum, r) => sum + (r.usage === null ? 0 : (priceUsd(ENGINE_DEFAULT_MODEL, usageFromApi(r.usage)) ?? Number.NaN)), 0);
      expect(result.total_cost_usd).toBeCloseTo(billed, 9);
      if (versionNumber === 1) expect(requests[0]?.tools).toEqual(expect.arrayContaining(["Read", "Write", "Edit", "Glob", "Grep"]));
      if (versionNumber === 3) expect(requests.flatMap((r) => r.toolCalls.map((c) => c.name))).toContain("Grep");
    }
    expect(expected).toEqual({
      "src/a.ts": "export const a = 1;\nexport function widget() { return a; }\n",
      "src/b.ts": "import { a } from './a';\nconsole.log(a);\n",
      "src/c.ts": "console.log('b');\n",
    });

    // A new session has none of those requests in context: it changes nothing and says so.
    const before = await filesOf(cwd);
    const fresh = await run(cwd, configDir, buildPrompt({ operation: "update", prompt: "undo version 5", versionNumber: 7, metadataContext: null }));
    expect(fresh.result.subtype === "success" ? fresh.result.result : "").toContain("could not undo version 5: its request is not in this conversation");
    expect(await filesOf(cwd)).toEqual(before);
    expect(referenceApply(before, "undo version 5", history)).not.toEqual(before);
  });

  it("asks for 1-hour cache entries with ENABLE_PROMPT_CACHING_1H=1 or the promptCacheTtl setting, unless FORCE_PROMPT_CACHING_5M=1", async () => {
    const cases: Array<[string, { env?: Record<string, string>; options?: Partial<Options> }, "5m" | "1h"]> = [
      ["default", {}, "5m"],
      ["ENABLE_PROMPT_CACHING_1H=1", { env: { ENABLE_PROMPT_CACHING_1H: "1" } }, "1h"],
      ["settings.promptCacheTtl", { options: { settings: { promptCacheTtl: "1h" } } }, "1h"],
      ["CLAUDE_CODE_PROMPT_CACHE_TTL=1h", { env: { CLAUDE_CODE_PROMPT_CACHE_TTL: "1h" } }, "1h"],
      ["CLAUDE_CODE_PROMPT_CACHE_TTL=5m over the setting", { env: { CLAUDE_CODE_PROMPT_CACHE_TTL: "5m" }, options: { settings: { promptCacheTtl: "1h" } } }, "5m"],
      ["FORCE_PROMPT_CACHING_5M=1 over the setting", { env: { FORCE_PROMPT_CACHING_5M: "1" }, options: { settings: { promptCacheTtl: "1h" } } }, "5m"],
      ["FORCE_PROMPT_CACHING_5M=1 over ENABLE_PROMPT_CACHING_1H=1", { env: { FORCE_PROMPT_CACHING_5M: "1", ENABLE_PROMPT_CACHING_1H: "1" } }, "5m"],
    ];
    for (const [name, extra, ttl] of cases) {
      const cwd = await tempDir("sim-ttl-ws-");
      const { result, requests } = await run(cwd, await tempDir("sim-ttl-claude-"), `create ${name.replace(/\W+/g, "-")}.txt with x`, extra);
      expect(requests.length, name).toBeGreaterThan(0);
      expect(new Set(requests.flatMap((r) => r.cacheTtls)), name).toEqual(new Set([ttl]));
      const written = requests.reduce((sum, r) => sum + (r.usage?.cache_creation?.[ttl === "1h" ? "ephemeral_1h_input_tokens" : "ephemeral_5m_input_tokens"] ?? 0), 0);
      expect(written, name).toBeGreaterThan(0);
      // Claude Code bills 1-hour writes at the table's price too ($8 per million for Opus 5.5).
      const table = requests.reduce((sum, r) => sum + (r.usage === null ? 0 : (priceUsd(ENGINE_DEFAULT_MODEL, usageFromApi(r.usage)) ?? Number.NaN)), 0);
      expect(result.total_cost_usd, name).toBeCloseTo(table, 9);
    }
  });
});
