// The engine's gate: every tool call passes checkToolCall before it runs.
//
// Why a PreToolUse hook and not `canUseTool`: the runner runs the engine with
// `permissionMode: "bypassPermissions"` (headless, no one to ask), and in that mode the
// engine approves every call before `canUseTool` would be consulted — the SDK says so
// (warning CLAUDE_SDK_CAN_USE_TOOL_SHADOWED) and a run that denied everything in
// `canUseTool` still wrote outside its workspace (measured, Agent SDK 0.3.330). PreToolUse
// hooks run in every permission mode, and a `deny` from one reaches the model as the
// tool's error, so it can carry on. `onFailure: "block"` makes a hook that throws or times
// out refuse the call instead of letting it through.
import type { HookCallbackMatcher, HookEvent, HookJSONOutput } from "@anthropic-ai/claude-agent-sdk";
import { checkToolCall } from "./policy.ts";
import type { Workspace } from "./policy.ts";

/** Seconds a check may take; a slow filesystem refuses rather than waits forever. */
const CHECK_TIMEOUT_SECONDS = 30;

export function confinementHooks(
  ws: Workspace,
  onRefused: (name: string, input: unknown, reason: string) => void,
): Partial<Record<HookEvent, HookCallbackMatcher[]>> {
  const deny = (reason: string): HookJSONOutput => ({
    hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: reason },
  });
  return {
    PreToolUse: [
      {
        timeout: CHECK_TIMEOUT_SECONDS,
        onFailure: "block",
        hooks: [
          async (input) => {
            if (input.hook_event_name !== "PreToolUse") return deny("unexpected hook event");
            const reason = await checkToolCall(input.tool_name, input.tool_input, ws);
            if (reason === null) return {};
            onRefused(input.tool_name, input.tool_input, reason);
            return deny(`Refused: ${reason}. Only files inside the project's workspace (${ws.cwd}) can be used.`);
          },
        ],
      },
    ],
  };
}
