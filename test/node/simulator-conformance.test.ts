// The simulator driven by the official Anthropic client (@anthropic-ai/sdk): the test double
// must speak the API the client expects — streaming with tool use, plain JSON, token
// counting, models, and rate-limit / overload errors the client retries on its own.
import Anthropic, { NotFoundError, OverloadedError } from "@anthropic-ai/sdk";
import type { MessageParam, TextBlockParam, Tool } from "@anthropic-ai/sdk/resources/messages";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../../scripts/simulator/server.ts";
import type { Simulator } from "../../scripts/simulator/server.ts";

const MODEL = "claude-opus-5-5";
const CWD = "/conformance/space";
/** About 650 tokens: above the 512-token cache floor of Opus 5.5, so the breakpoint caches. */
const SYSTEM: TextBlockParam[] = [{ type: "text", text: `Primary working directory: ${CWD}\n${"You are a careful coding agent. ".repeat(80)}`, cache_control: { type: "ephemeral" } }];
const TOOLS: Tool[] = ["Read", "Write", "Edit", "Glob", "Grep"].map((name) => ({ name, description: `${name} tool`, input_schema: { type: "object" } }));

let sim: Simulator;
let client: Anthropic;

beforeAll(async () => {
  sim = await startSimulator({ latencyScale: 0 });
  client = new Anthropic({ baseURL: sim.url, apiKey: "sk-simulated", maxRetries: 2 });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  await fetch(`${sim.url}/__sim/faults`, { method: "DELETE" });
  await fetch(`${sim.url}/__sim/requests`, { method: "DELETE" });
});

async function addFault(fault: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/faults`, { method: "POST", body: JSON.stringify(fault) });
  expect(res.status).toBe(201);
}

const ask = (text: string): MessageParam[] => [{ role: "user", content: text }];

describe("official client against the simulator", () => {
  it("streams a tool call and, given its result, a final text answer", async () => {
    const messages = ask("create notes.txt with hello");
    const stream = client.messages.stream({ model: MODEL, max_tokens: 4096, system: SYSTEM, tools: TOOLS, messages });
    const events: string[] = [];
    stream.on("streamEvent", (event) => events.push(event.type));
    const first = await stream.finalMessage();
    expect(first.stop_reason).toBe("tool_use");
    expect(first.model).toBe(MODEL);
    const [call] = first.content;
    if (call?.type !== "tool_use") throw new Error(`expected a tool call, got ${JSON.stringify(call)}`);
    // The client reassembled the input from input_json_delta events.
    expect(call).toMatchObject({ name: "Write", input: { file_path: `${CWD}/notes.txt`, content: "hello\n" } });
    expect(events[0]).toBe("message_start");
    expect(events).toContain("content_block_delta");
    expect(events.slice(-2)).toEqual(["message_delta", "message_stop"]);
    expect(first.usage.output_tokens).toBeGreaterThan(1);
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);

    const done = await client.messages
      .stream({
        model: MODEL,
        max_tokens: 4096,
        system: SYSTEM,
        tools: TOOLS,
        messages: [...messages, { role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "File created successfully" }] }],
      })
      .finalMessage();
    expect(done.stop_reason).toBe("end_turn");
    expect(done.content).toEqual([{ type: "text", text: "Done.\n- created notes.txt", citations: null }]);
    // The second request re-sent the first as a prefix: read from the cache.
    expect(done.usage.cache_read_input_tokens).toBeGreaterThan(0);
  });

  it("answers non-streaming requests with a typed message, thinking tokens included when thinking is on", async () => {
    const message = await client.messages.create({ model: MODEL, max_tokens: 4096, system: SYSTEM, tools: TOOLS, messages: ask("append to a.txt: x"), thinking: { type: "adaptive" } });
    expect(message).toMatchObject({ type: "message", role: "assistant", stop_reason: "tool_use", content: [{ type: "tool_use", name: "Read" }] });
    expect(message.usage.output_tokens_details?.thinking_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(message.usage.output_tokens_details?.thinking_tokens ?? 0);
  });

  it("counts tokens as the prompt the messages endpoint prices", async () => {
    const params = { model: MODEL, system: SYSTEM, tools: TOOLS, messages: ask("read a.txt") };
    const { input_tokens: counted } = await client.messages.countTokens(params);
    const { usage } = await client.messages.create({ ...params, max_tokens: 1024 });
    expect(counted).toBe(usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0));
  });

  it("lists the model table's models and answers unknown ones with not_found_error", async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain(MODEL);
    expect((await client.models.retrieve("claude-sonnet-4-5-20250929")).id).toBe("claude-sonnet-4-5");
    await expect(client.messages.create({ model: "claude-opus-9", max_tokens: 10, messages: ask("hi") })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("retries a 429 after the retry-after it was given", async () => {
    await addFault({ status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    const message = await client.messages.create({ model: MODEL, max_tokens: 1024, system: SYSTEM, tools: TOOLS, messages: ask("read a.txt") });
    expect(message.stop_reason).toBe("tool_use");
    // The client's own backoff would be 0.375-0.5 s; it waited the second it was told.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(sim.requests().map((r) => r.status)).toEqual([429, 200]);
  });

  it("retries 529 overloaded errors, streaming, and gives up after maxRetries with an OverloadedError", async () => {
    await addFault({ status: 529, count: 2, retryAfterSeconds: 0.05 });
    const message = await client.messages.stream({ model: MODEL, max_tokens: 1024, system: SYSTEM, tools: TOOLS, messages: ask("read a.txt") }).finalMessage();
    expect(message.stop_reason).toBe("tool_use");
    expect(sim.requests().map((r) => r.status)).toEqual([529, 529, 200]);

    await fetch(`${sim.url}/__sim/requests`, { method: "DELETE" });
    await addFault({ status: 529, count: 3, retryAfterSeconds: 0.05 });
    const failure = await client.messages.create({ model: MODEL, max_tokens: 1024, messages: ask("hi") }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OverloadedError);
    expect(failure).toMatchObject({ status: 529, type: "overloaded_error" });
    expect(sim.requests().map((r) => r.status)).toEqual([529, 529, 529]);
  });

  it("surfaces an overload in the middle of a stream as an error event", async () => {
    await addFault({ status: 529, midStream: true });
    const failure = await client.messages.stream({ model: MODEL, max_tokens: 1024, messages: ask("hi") }).finalMessage().catch((error: unknown) => error);
    expect(failure).toMatchObject({ type: "overloaded_error" });
  });
});
