// Talks to the simulator's Messages endpoint the way Claude Code does (the file tools, the
// working directory in the system prompt), for tests of the simulated model's turns.
import { expect } from "vitest";

export type Json = Record<string, unknown>;

const TOOLS = ["Read", "Write", "Edit", "Glob", "Grep"].map((name) => ({ name, description: name, input_schema: { type: "object" } }));

/** The model's reply (content blocks) to `messages` in a workspace at `cwd`. */
export function simReply(url: () => string, cwd: string): (messages: Json[]) => Promise<Json[]> {
  return async (messages) => {
    const res = await fetch(`${url()}/v1/messages`, {
      method: "POST",
      body: JSON.stringify({ model: "claude-opus-5-5", system: `Primary working directory: ${cwd}`, tools: TOOLS, messages }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { content: Json[] }).content;
  };
}

/** A user turn of one text block. */
export const userText = (text: string): Json => ({ role: "user", content: [{ type: "text", text }] });
