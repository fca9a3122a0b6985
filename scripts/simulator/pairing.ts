// The model API's rule for tool calls, checked on every request: each `tool_use` of an
// assistant message is answered by a `tool_result` in the very next message (a user
// message), and each `tool_result` answers a call of the message before it. The API refuses
// a request that breaks it (400 "`tool_use` ids were found without `tool_result` blocks
// immediately after"); the simulator logs what broke it, so tests can show that nothing the
// engine sent, after a transcript was repaired or refused, would have been refused.
import type { Message } from "./types.ts";

/** One description per broken pair ("messages.3: tool_use toolu_x has no tool_result in the next message"); empty when all pair. */
export function toolPairingErrors(messages: readonly Message[]): string[] {
  const errors: string[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (message === undefined) continue;
    const previous = messages[i - 1];
    const calls = new Set(previous?.role === "assistant" ? previous.blocks.flatMap((b) => (b.kind === "tool_use" ? [b.id] : [])) : []);
    for (const block of message.blocks) {
      if (block.kind === "tool_result" && !calls.has(block.toolUseId)) errors.push(`messages.${i}: tool_result ${block.toolUseId} answers no tool_use of the message before`);
    }
    if (message.role !== "assistant") continue;
    const next = messages[i + 1];
    const answered = new Set(next?.role === "user" ? next.blocks.flatMap((b) => (b.kind === "tool_result" ? [b.toolUseId] : [])) : []);
    const last = i === messages.length - 1;
    for (const block of message.blocks) {
      // A trailing assistant message is a prefill the model continues: its calls cannot be answered yet.
      if (block.kind === "tool_use" && !last && !answered.has(block.id)) errors.push(`messages.${i}: tool_use ${block.id} has no tool_result in the next message`);
    }
  }
  return errors;
}
