// A finished job's steps, read from its public event log (GET …/jobs/:id/events): each
// step's session id and Claude Code's own cost of it (the total_cost_usd delta, unrounded).
export interface JobStep {
  step: string;
  sessionId: string;
  costUsd: number;
  inputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  toolCalls: number;
  filesRead: number;
}

interface StepFinished {
  step: string;
  sessionId: string;
  usage: { inputTokens: number; outputTokens: number; cacheCreationInputTokens: number; cacheReadInputTokens: number; costUsd: number };
  toolCalls: number;
  filesRead: number;
}

function isStepFinished(data: unknown): data is StepFinished {
  if (typeof data !== "object" || data === null) return false;
  const d = data as Record<string, unknown>;
  return typeof d["step"] === "string" && typeof d["sessionId"] === "string" && typeof d["usage"] === "object" && d["usage"] !== null;
}

export function jobSteps(events: readonly { type: string; data: unknown }[]): JobStep[] {
  return events.flatMap((e) => {
    if (e.type !== "step_finished" || !isStepFinished(e.data)) return [];
    const { step, sessionId, usage, toolCalls, filesRead } = e.data;
    return [{
      step, sessionId, costUsd: usage.costUsd, inputTokens: usage.inputTokens, cacheWriteTokens: usage.cacheCreationInputTokens,
      cacheReadTokens: usage.cacheReadInputTokens, outputTokens: usage.outputTokens, toolCalls, filesRead,
    }];
  });
}
