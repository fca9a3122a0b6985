// Runs one prompt through Claude Code (`query()` of the Agent SDK) and turns its message
// stream into protocol progress events plus a summary of what happened.
import { query } from "@anthropic-ai/claude-agent-sdk";
import type { Options, SDKMessage, SDKResultMessage } from "@anthropic-ai/claude-agent-sdk";
import { readFile, realpath } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { confinementHooks } from "./confine/hook.ts";
import type { RunEvent } from "./protocol.ts";
import { fromApiUsage } from "./usage.ts";

/**
 * File tools only: the runner edits a workspace, it never runs commands or fetches URLs.
 * LS is gone from Claude Code 2.1 (the engine ignores unknown names); older engines have it.
 * Claude Code 2.1.330 advertises Read, Write, Edit, Glob, Grep (and a deferred-loading
 * placeholder it never runs) for this list; confine/policy.ts checks each before it runs.
 */
export const ENGINE_TOOLS = ["Read", "Write", "Edit", "Glob", "Grep", "LS"];

export interface EngineInput {
  prompt: string;
  cwd: string;
  resume: string | null;
  forkSession: boolean;
  /** The model to run with; null: the engine's default (or ANTHROPIC_MODEL). */
  model: string | null;
  /** The engine process environment (replaces process.env entirely). */
  env: Record<string, string>;
  maxTurns: number;
  signal: AbortSignal;
  onEvent: (event: RunEvent) => void;
  onStderr?: (chunk: string) => void;
}

export interface EngineRun {
  result: SDKResultMessage | null;
  sawInit: boolean;
  engineVersion: string | null;
  lastSessionId: string | null;
  assistantErrors: string[];
  toolCalls: number;
  filesRead: number;
  /** Tool calls refused by the confinement hook (each also emitted as `tool_refused`). */
  refusedToolCalls: number;
  /** Prompt size of the latest main-conversation model call. */
  contextTokens: number;
  thrown: unknown;
}

export async function runEngine(input: EngineInput): Promise<EngineRun> {
  const workspace = { cwd: input.cwd, root: await realpath(input.cwd) };
  const run: EngineRun = {
    result: null,
    sawInit: false,
    engineVersion: null,
    lastSessionId: null,
    assistantErrors: [],
    toolCalls: 0,
    filesRead: 0,
    refusedToolCalls: 0,
    contextTokens: 0,
    thrown: undefined,
  };
  const abortController = new AbortController();
  const onAbort = (): void => abortController.abort();
  if (input.signal.aborted) abortController.abort();
  else input.signal.addEventListener("abort", onAbort, { once: true });

  const hooks = confinementHooks(workspace, (name, toolInput, reason) => {
    run.refusedToolCalls++;
    input.onEvent({ type: "tool_refused", name, target: toolTarget(toolInput, input.cwd), reason });
  });

  const options: Options = {
    cwd: input.cwd,
    env: input.env,
    abortController,
    tools: ENGINE_TOOLS,
    allowedTools: ENGINE_TOOLS,
    permissionMode: "bypassPermissions",
    allowDangerouslySkipPermissions: true,
    // The confinement to the workspace; see confine/hook.ts for why a hook.
    hooks,
    // No user/project/local settings files: behaviour must not depend on files in the workspace.
    settingSources: [],
    strictMcpConfig: true,
    maxTurns: input.maxTurns,
    ...(input.model !== null ? { model: input.model } : {}),
    ...(input.resume !== null ? { resume: input.resume, forkSession: input.forkSession } : {}),
    ...(input.onStderr !== undefined ? { stderr: input.onStderr } : {}),
  };

  const seenSessions = new Set<string>();
  const seenToolUses = new Set<string>();
  const q = query({ prompt: input.prompt, options });
  try {
    for await (const message of q) {
      observe(message);
    }
  } catch (err) {
    // The SDK throws after an error result too; the result (already kept) says more.
    run.thrown = err;
  } finally {
    input.signal.removeEventListener("abort", onAbort);
    if (run.thrown !== undefined) q.close();
  }
  return run;

  function observe(message: SDKMessage): void {
    const sessionId = "session_id" in message && typeof message.session_id === "string" ? message.session_id : null;
    const isErrorResult = message.type === "result" && message.is_error;
    // A failed start reports a random id that names no transcript: never announce it.
    if (sessionId !== null && !(isErrorResult && !run.sawInit)) {
      run.lastSessionId = sessionId;
      if (!seenSessions.has(sessionId)) {
        seenSessions.add(sessionId);
        input.onEvent({ type: "session", sessionId });
      }
    }
    switch (message.type) {
      case "system":
        if (message.subtype === "init") {
          run.sawInit = true;
          run.engineVersion = message.claude_code_version;
        }
        return;
      case "assistant":
        if (message.error !== undefined) run.assistantErrors.push(message.error);
        // Subagent traffic (parent_tool_use_id set) is not the main conversation.
        if (message.parent_tool_use_id !== null) return;
        run.contextTokens = promptTokens(message.message.usage) ?? run.contextTokens;
        for (const block of message.message.content) {
          if (block.type === "text" && block.text.trim() !== "") {
            input.onEvent({ type: "assistant_text", text: block.text.slice(0, 2000) });
          } else if (block.type === "tool_use" && !seenToolUses.has(block.id)) {
            seenToolUses.add(block.id);
            run.toolCalls++;
            if (block.name === "Read") run.filesRead++;
            input.onEvent({ type: "tool_use", name: block.name, target: toolTarget(block.input, input.cwd) });
          }
        }
        return;
      case "result":
        run.result = message;
        return;
      default:
        return;
    }
  }
}

/** Input + cache reads + cache writes of one model call; null when the usage is missing. */
function promptTokens(usage: unknown): number | null {
  if (typeof usage !== "object" || usage === null) return null;
  const u = fromApiUsage(usage as Record<string, unknown>);
  const total = u.inputTokens + u.cacheReadInputTokens + u.cacheCreationInputTokens;
  return total > 0 ? total : null;
}

/** The file path or pattern a tool call is about, relative to the workspace when inside it. */
export function toolTarget(toolInput: unknown, cwd: string): string | null {
  if (typeof toolInput !== "object" || toolInput === null) return null;
  const fields = toolInput as Record<string, unknown>;
  for (const key of ["file_path", "path", "notebook_path", "pattern"]) {
    const value = fields[key];
    if (typeof value !== "string" || value === "") continue;
    if (key !== "pattern" && path.isAbsolute(value)) {
      const rel = path.relative(cwd, value);
      if (rel === "") return ".";
      if (!rel.startsWith("..") && !path.isAbsolute(rel)) return rel.split(path.sep).join("/");
    }
    return value.slice(0, 500);
  }
  return null;
}

/** The Claude Code version the installed SDK bundles (its package.json says so). */
export async function bundledEngineVersion(): Promise<string> {
  try {
    const entry = fileURLToPath(import.meta.resolve("@anthropic-ai/claude-agent-sdk"));
    const pkg: unknown = JSON.parse(await readFile(path.join(path.dirname(entry), "package.json"), "utf8"));
    if (typeof pkg === "object" && pkg !== null && "claudeCodeVersion" in pkg && typeof pkg.claudeCodeVersion === "string") {
      return pkg.claudeCodeVersion;
    }
  } catch {
    // Unknown layout: the first run's init message fills the version in.
  }
  return "unknown";
}
