// The model simulator without the engine: wire protocol (SSE and JSON), prompt-cache
// pricing, fault injection, the request log, and the coding model's decisions.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RESPONSE_OUTPUT_BUDGET_TOKENS, removalEdit, uniqueTail } from "../../scripts/simulator/agent.ts";
import { buildPrompt } from "../../container/src/prompts.ts";
import { parseInstructions } from "../../scripts/simulator/instructions.ts";
import { METADATA_READ_BUDGET } from "../../scripts/simulator/metadata.ts";
import { costUsd } from "../../scripts/simulator/pricing.ts";
import { startSimulator } from "../../scripts/simulator/server.ts";
import { THINKING_TOKENS } from "../../scripts/simulator/thinking.ts";
import type { RequestLogEntry, Simulator } from "../../scripts/simulator/server.ts";

const MODEL = "claude-sonnet-4-5";
const CWD = "/work/space";
/** About 2 000 tokens: above the 1 024-token minimum for a cacheable prefix. */
const LONG_SYSTEM = `Primary working directory: ${CWD}\n${"You are a careful coding agent. ".repeat(250)}`;
const TOOLS = ["Read", "Write", "Edit", "Bash"].map((name) => ({ name, description: `${name} tool`, input_schema: { type: "object" } }));

type Json = Record<string, unknown>;

let sim: Simulator;
let now = 1_000_000;

beforeAll(async () => {
  sim = await startSimulator({ latencyScale: 0, now: () => now });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  await fetch(`${sim.url}/__sim/faults`, { method: "DELETE" });
  await fetch(`${sim.url}/__sim/cache`, { method: "DELETE" });
  await fetch(`${sim.url}/__sim/requests`, { method: "DELETE" });
});

function body(messages: unknown[], extra: Json = {}): Json {
  return {
    model: MODEL,
    max_tokens: 1000,
    system: [{ type: "text", text: LONG_SYSTEM, cache_control: { type: "ephemeral" } }],
    tools: TOOLS,
    messages,
    ...extra,
  };
}

async function post(payload: unknown, path = "/v1/messages?beta=true"): Promise<Response> {
  return fetch(`${sim.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });
}

async function message(payload: Json): Promise<Json> {
  const res = await post({ ...payload, stream: false });
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
}

function content(msg: Json): Json[] {
  return msg["content"] as Json[];
}

function usage(msg: Json): Json {
  return msg["usage"] as Json;
}

async function requests(): Promise<RequestLogEntry[]> {
  const res = await fetch(`${sim.url}/__sim/requests`);
  return ((await res.json()) as { requests: RequestLogEntry[] }).requests;
}

interface SseEvent {
  event: string;
  data: Json;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .filter((chunk) => chunk.trim() !== "")
    .map((chunk) => {
      const event = /^event: (.*)$/m.exec(chunk)?.[1] ?? "";
      const data = JSON.parse(/^data: (.*)$/m.exec(chunk)?.[1] ?? "{}") as Json;
      return { event, data };
    });
}

const user = (text: string): Json => ({ role: "user", content: [{ type: "text", text }] });
const toolUse = (id: string, name: string, input: Json): Json => ({ role: "assistant", content: [{ type: "tool_use", id, name, input }] });
const toolResult = (id: string, text: string, isError = false): Json => ({
  role: "user",
  content: [{ type: "tool_result", tool_use_id: id, content: text, ...(isError ? { is_error: true } : {}) }],
});

describe("wire protocol", () => {
  it("answers plain JSON when stream is false, echoing the model", async () => {
    const msg = await message(body([user("create notes.txt with hello\\nworld")]));
    expect(msg).toMatchObject({ type: "message", role: "assistant", model: MODEL, stop_reason: "tool_use" });
    expect(content(msg)).toEqual([
      { type: "tool_use", id: expect.stringMatching(/^toolu_/), name: "Write", input: { file_path: `${CWD}/notes.txt`, content: "hello\nworld\n" }, caller: { type: "direct" } },
    ]);
    expect(Object.keys(usage(msg))).toEqual(
      expect.arrayContaining(["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"]),
    );
  });

  it("streams SSE events in the Messages API order and the tool input reassembles", async () => {
    const res = await post(body([user("create notes.txt with hello")], { stream: true }));
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const events = parseSse(await res.text());
    const names = events.map((e) => e.event);
    expect(names[0]).toBe("message_start");
    expect(names.slice(-2)).toEqual(["message_delta", "message_stop"]);
    expect(names).toContain("content_block_start");
    expect(names).toContain("content_block_stop");
    const start = events.find((e) => e.event === "content_block_start")?.data["content_block"] as Json;
    expect(start).toMatchObject({ type: "tool_use", name: "Write", input: {} });
    const json = events
      .filter((e) => e.event === "content_block_delta")
      .map((e) => (e.data["delta"] as Json)["partial_json"])
      .join("");
    expect(JSON.parse(json)).toEqual({ file_path: `${CWD}/notes.txt`, content: "hello\n" });
    const delta = events.find((e) => e.event === "message_delta")?.data as Json;
    expect(delta["delta"]).toMatchObject({ stop_reason: "tool_use" });
    expect((delta["usage"] as Json)["output_tokens"]).toBeGreaterThan(0);
  });

  it("streams text deltas for a final answer", async () => {
    const res = await post(body([user("hello there")], { stream: true }));
    const events = parseSse(await res.text());
    const text = events
      .filter((e) => e.event === "content_block_delta")
      .map((e) => (e.data["delta"] as Json)["text"])
      .join("");
    expect(text).toContain("create <path> with <text>");
    expect((events.find((e) => e.event === "message_delta")?.data["delta"] as Json)["stop_reason"]).toBe("end_turn");
  });

  it("accepts system as a string and system-role entries in messages", async () => {
    const msg = await message({
      model: MODEL,
      system: `Primary working directory: ${CWD}`,
      tools: TOOLS,
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "create a.txt with x" }],
    });
    expect(content(msg)[0]).toMatchObject({ name: "Write", input: { file_path: `${CWD}/a.txt` } });
  });

  it("answers structured-output requests (session titles) with JSON that fits the schema", async () => {
    const schema = { type: "object", properties: { title: { type: "string" } }, required: ["title"] };
    const msg = await message({
      model: MODEL,
      tools: [],
      output_config: { format: { type: "json_schema", schema } },
      messages: [user("<session>\ncreate a.txt with hi\n</session>\n\nWrite the title.")],
    });
    expect(JSON.parse(String(content(msg)[0]?.["text"]))).toEqual({ title: "Create a.txt with hi" });
  });

  it("counts tokens, lists models and answers unknown routes with an Anthropic error", async () => {
    const count = await post(body([user("hi")]), "/v1/messages/count_tokens");
    expect(((await count.json()) as Json)["input_tokens"]).toBeGreaterThan(500);
    // The models of the product's model table, found by id or dated id; others are unknown, as on the API.
    const models = (await (await fetch(`${sim.url}/v1/models`)).json()) as { data: Json[] };
    expect(models.data.map((m) => m["id"])).toEqual(expect.arrayContaining(["claude-opus-5-5", "claude-sonnet-4-5"]));
    const dated = await fetch(`${sim.url}/v1/models/claude-sonnet-4-5-20250929`);
    expect(((await dated.json()) as Json)["id"]).toBe("claude-sonnet-4-5");
    const unknown = await post(body([user("hi")], { model: "claude-opus-9" }));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ type: "error", error: { type: "not_found_error", message: "model: claude-opus-9" } });
    const missing = await fetch(`${sim.url}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    const bad = await post({ model: MODEL });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });
});

describe("prompt cache pricing", () => {
  const convo = [user("create a.txt with x")];

  it("writes a prefix once, then reads it while the TTL lasts", async () => {
    const first = usage(await message(body(convo)));
    expect(first["cache_read_input_tokens"]).toBe(0);
    expect(first["cache_creation_input_tokens"]).toBeGreaterThan(1024);
    const second = usage(await message(body(convo)));
    expect(second["cache_read_input_tokens"]).toBe(first["cache_creation_input_tokens"]);
    expect(second["cache_creation_input_tokens"]).toBe(0);
    now += 6 * 60_000; // past the 5-minute TTL
    const third = usage(await message(body(convo)));
    expect(third["cache_read_input_tokens"]).toBe(0);
    expect(third["cache_creation_input_tokens"]).toBe(first["cache_creation_input_tokens"]);
  });

  it("keeps 1-hour entries past five minutes and reports them as 1 h writes", async () => {
    const oneHour = { ...body(convo), system: [{ type: "text", text: LONG_SYSTEM, cache_control: { type: "ephemeral", ttl: "1h" } }] };
    const first = usage(await message(oneHour));
    expect(first["cache_creation"]).toEqual({ ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: first["cache_creation_input_tokens"] });
    now += 30 * 60_000;
    expect(usage(await message(oneHour))["cache_read_input_tokens"]).toBe(first["cache_creation_input_tokens"]);
  });

  it("reads the previous turn's prefix from a longer conversation (lookback) and writes only the new part", async () => {
    const turn1 = [{ role: "user", content: [{ type: "text", text: "create a.txt with x", cache_control: { type: "ephemeral" } }] }];
    const u1 = usage(await message(body(turn1)));
    const turn2 = [
      { role: "user", content: [{ type: "text", text: "create a.txt with x" }] },
      toolUse("toolu_1", "Write", { file_path: `${CWD}/a.txt`, content: "x\n" }),
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "File created", cache_control: { type: "ephemeral" } }] },
    ];
    const u2 = usage(await message(body(turn2)));
    expect(u2["cache_read_input_tokens"]).toBe(u1["cache_creation_input_tokens"]);
    expect(u2["cache_creation_input_tokens"]).toBeGreaterThan(0);
    expect(u2["cache_creation_input_tokens"]).toBeLessThan(50);
  });

  it("reads a message written as a one-block array when the next call sends it as a string (the API's shorthand)", async () => {
    const turn1 = [{ role: "user", content: [{ type: "text", text: "create a.txt with x", cache_control: { type: "ephemeral" } }] }];
    const u1 = usage(await message(body(turn1)));
    const turn2 = [
      { role: "user", content: "create a.txt with x" },
      toolUse("toolu_1", "Write", { file_path: `${CWD}/a.txt`, content: "x\n" }),
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "File created", cache_control: { type: "ephemeral" } }] },
    ];
    const u2 = usage(await message(body(turn2)));
    expect(u2["cache_read_input_tokens"]).toBe(u1["cache_creation_input_tokens"]);
    expect(u2["cache_creation_input_tokens"]).toBeLessThan(50);
  });

  it("does not cache prefixes below the model's minimum and counts no breakpoint as plain input", async () => {
    const short = usage(await message({ model: MODEL, system: [{ type: "text", text: "short", cache_control: { type: "ephemeral" } }], messages: [user("hi")] }));
    expect(short["cache_creation_input_tokens"]).toBe(0);
    expect(short["input_tokens"]).toBeGreaterThan(0);
  });

  it("takes each model's minimum from the model table: ~700 tokens cache on Opus 5.5 (512), not on Sonnet 4.5 (1 024)", async () => {
    const system = [{ type: "text", text: "You are a careful coding agent. ".repeat(90), cache_control: { type: "ephemeral" } }];
    const sonnet = usage(await message({ model: "claude-sonnet-4-5", system, messages: [user("hi")] }));
    expect(sonnet["cache_creation_input_tokens"]).toBe(0);
    const opus = usage(await message({ model: "claude-opus-5-5", system, messages: [user("hi")] }));
    expect(opus["cache_creation_input_tokens"]).toBeGreaterThan(512);
    expect(opus["cache_creation_input_tokens"]).toBeLessThan(1024);
  });

  it("prices usage with the model table: Opus 5.5 at $4 / $5 / $8 / $0.20 / $20, older models at 0.1× reads", () => {
    const u = {
      input_tokens: 1_000_000,
      cache_read_input_tokens: 1_000_000,
      cache_creation_input_tokens: 2_000_000,
      cache_creation: { ephemeral_5m_input_tokens: 1_000_000, ephemeral_1h_input_tokens: 1_000_000 },
      output_tokens: 1_000_000,
      service_tier: "standard" as const,
    };
    expect(costUsd("claude-sonnet-4-5", u)).toBeCloseTo(3 * (1 + 0.1 + 1.25 + 2) + 15, 6);
    expect(costUsd("claude-opus-4-5-20251101", u)).toBeCloseTo(5 * 4.35 + 25, 6);
    expect(costUsd("claude-opus-5-5", u)).toBeCloseTo(4 + 5 + 8 + 0.2 + 20, 6);
  });
});

describe("fault injection", () => {
  it("fails the next N requests with Anthropic error bodies and headers, then recovers", async () => {
    const add = await post({ status: 529, count: 2, shouldRetry: false }, "/__sim/faults");
    expect(add.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const res = await post(body([user("create a.txt with x")]));
      expect(res.status).toBe(529);
      expect(res.headers.get("x-should-retry")).toBe("false");
      expect(await res.json()).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
    }
    expect((await post(body([user("create a.txt with x")]))).status).toBe(200);
    const log = await requests();
    expect(log.map((r) => r.status)).toEqual([529, 529, 200]);
  });

  it("can target compaction requests only", async () => {
    await post({ status: 500, count: 1, match: "compaction" }, "/__sim/faults");
    expect((await post(body([user("create a.txt with x")]))).status).toBe(200);
    const compact = await post(body([user("create a.txt with x"), { role: "assistant", content: "Done." }, user("Your task is to create a detailed summary of the conversation so far.")]));
    expect(compact.status).toBe(500);
    expect(await compact.json()).toMatchObject({ error: { type: "api_error" } });
  });

  it("rate-limits with 429 and retry-after, fails mid-stream, and clears", async () => {
    await post({ status: 429, retryAfterSeconds: 3 }, "/__sim/faults");
    const limited = await post(body([user("hi")]));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(await limited.json()).toMatchObject({ error: { type: "rate_limit_error" } });

    await post({ status: 529, midStream: true }, "/__sim/faults");
    const events = parseSse(await (await post(body([user("hi")], { stream: true }))).text());
    expect(events.map((e) => e.event)).toEqual(["message_start", "ping", "error"]);
    expect(events[2]?.data).toMatchObject({ error: { type: "overloaded_error" } });

    await post({ status: 500, count: 5 }, "/__sim/faults");
    await fetch(`${sim.url}/__sim/faults`, { method: "DELETE" });
    expect((await post(body([user("hi")]))).status).toBe(200);
    expect((await post({ status: 200 }, "/__sim/faults")).status).toBe(400);
  });
});

describe("coding model", () => {
  it("reads a file before editing it in a fresh conversation, then appends with a unique anchor", async () => {
    const prompt = user("append to notes.txt: three");
    const step1 = await message(body([prompt]));
    expect(content(step1)).toMatchObject([{ name: "Read", input: { file_path: `${CWD}/notes.txt` } }]);
    const readId = String(content(step1)[0]?.["id"]);
    const history = [prompt, { role: "assistant", content: content(step1) }, toolResult(readId, "1\tx\n2\tend\n3\tend\n4")];
    const step2 = await message(body(history));
    expect(content(step2)).toMatchObject([
      { name: "Edit", input: { file_path: `${CWD}/notes.txt`, old_string: "end\nend\n", new_string: "end\nend\nthree\n", replace_all: false } },
    ]);
    const editId = String(content(step2)[0]?.["id"]);
    const step3 = await message(body([...history, { role: "assistant", content: content(step2) }, toolResult(editId, "The file has been updated.")]));
    expect(step3["stop_reason"]).toBe("end_turn");
    expect(content(step3)[0]?.["text"]).toContain("appended to notes.txt");
  });

  it("edits at once when the file's content is already in the conversation (a resumed session)", async () => {
    const earlier = [
      user("create notes.txt with one"),
      toolUse("toolu_a", "Write", { file_path: `${CWD}/notes.txt`, content: "one\n" }),
      toolResult("toolu_a", "File created successfully"),
      { role: "assistant", content: [{ type: "text", text: "Done." }] },
    ];
    const msg = await message(body([...earlier, user("append to notes.txt: two")]));
    expect(content(msg)).toMatchObject([{ name: "Edit", input: { old_string: "one\n", new_string: "one\ntwo\n" } }]);
    const log = await requests();
    expect(log.at(-1)?.userPrompts).toEqual(["create notes.txt with one", "append to notes.txt: two"]);
    expect(log.at(-1)?.filesInContext).toBe(1);
  });

  it("reacts to 'File has not been read yet' by reading and retrying", async () => {
    const earlier = [
      user("create notes.txt with one"),
      toolUse("toolu_a", "Write", { file_path: `${CWD}/notes.txt`, content: "one\n" }),
      toolResult("toolu_a", "File created successfully"),
      user("replace in notes.txt: one => uno"),
    ];
    const step1 = await message(body(earlier));
    expect(content(step1)).toMatchObject([{ name: "Edit", input: { old_string: "one", new_string: "uno", replace_all: true } }]);
    const id1 = String(content(step1)[0]?.["id"]);
    const refused = [...earlier, { role: "assistant", content: content(step1) }, toolResult(id1, "<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>", true)];
    const step2 = await message(body(refused));
    expect(content(step2)).toMatchObject([{ name: "Read", input: { file_path: `${CWD}/notes.txt` } }]);
    const id2 = String(content(step2)[0]?.["id"]);
    const step3 = await message(body([...refused, { role: "assistant", content: content(step2) }, toolResult(id2, "1\tone\n2")]));
    expect(content(step3)).toMatchObject([{ name: "Edit", input: { old_string: "one", new_string: "uno" } }]);
  });

  it("writes many files per response within an output budget, and lists unknown directories with Bash", async () => {
    const scaffold = await message(body([user("scaffold 40 files under src")]));
    const paths = content(scaffold).map((b) => (b["input"] as Json)["file_path"]);
    // No count cap: as many ~1 KB Writes as fit in RESPONSE_OUTPUT_BUDGET_TOKENS of tool input.
    expect(paths.length).toBeGreaterThan(4);
    expect(paths.length).toBeLessThan(40);
    expect(paths).toEqual(Array.from({ length: paths.length }, (_, i) => `${CWD}/src/module-${String(i + 1).padStart(2, "0")}.ts`));
    const inputTokens = content(scaffold).reduce((sum, b) => sum + Math.ceil((String(b["name"]).length + JSON.stringify(b["input"]).length) / 4), 0);
    expect(inputTokens).toBeLessThanOrEqual(RESPONSE_OUTPUT_BUDGET_TOKENS);
    const again = await message(body([user("scaffold 40 files under src")]));
    expect(content(again)).toEqual(content(scaffold)); // deterministic
    const list = await message(body([user("append to every file under lib: // end")]));
    expect(content(list)).toMatchObject([{ name: "Bash", input: { command: `find '${CWD}/lib' -type f | sort` } }]);
  });

  it("reads independent files in one response, then edits them in one response", async () => {
    const prompt = user("append to a.txt: 1\nreplace in b.txt: x => y\nappend to c.txt: 3");
    const reads = content(await message(body([prompt])));
    expect(reads.map((b) => [b["name"], (b["input"] as Json)["file_path"]])).toEqual(["a", "b", "c"].map((f) => ["Read", `${CWD}/${f}.txt`]));
    const history = [prompt, { role: "assistant", content: reads }, { role: "user", content: reads.map((b) => ({ type: "tool_result", tool_use_id: b["id"], content: "1\tx" })) }];
    const edits = content(await message(body(history)));
    expect(edits.map((b) => b["name"])).toEqual(["Edit", "Edit", "Edit"]);
  });

  it("thinks before acting when the request enables thinking: a plan first, shorter looks at results after", async () => {
    const prompt = user("append to notes.txt: three");
    const plain = await message(body([prompt]));
    expect(usage(plain)["output_tokens_details"]).toEqual({ thinking_tokens: 0 });
    const first = await message(body([prompt], { thinking: { type: "adaptive" } }));
    expect(usage(first)["output_tokens_details"]).toEqual({ thinking_tokens: THINKING_TOKENS.plan });
    expect(usage(first)["output_tokens"]).toBe(Number(usage(plain)["output_tokens"]) + THINKING_TOKENS.plan);
    const readId = String(content(first)[0]?.["id"]);
    const next = await message(body([prompt, { role: "assistant", content: content(first) }, toolResult(readId, "1\tone")], { thinking: { type: "adaptive" } }));
    expect(usage(next)["output_tokens_details"]).toEqual({ thinking_tokens: THINKING_TOKENS.followUp });
    expect((await requests()).map((r) => r.thinkingTokens)).toEqual([0, THINKING_TOKENS.plan, THINKING_TOKENS.followUp]);
  });

  it("updates the documentation it is given, reading only changed files it lacks", async () => {
    const earlier = [
      user("create a.ts with export const a = 1;"),
      toolUse("toolu_a", "Write", { file_path: `${CWD}/a.ts`, content: "export const a = 1;\n" }),
      toolResult("toolu_a", "File created successfully"),
      { role: "assistant", content: [{ type: "text", text: "Done." }] },
    ];
    const previous = ["# Project overview", "", "3 file(s).", "", "## Files", "", "- `a.ts` (1 lines): old", "- `b.ts` (2 lines): unchanged", "- `gone.ts` (1 lines): x"].join("\n");
    const ask = buildPrompt({ operation: "metadata", prompt: "", metadataContext: { previousDocumentation: previous, changedPaths: ["a.ts", "c.ts", "gone.ts"] } });
    const reads = content(await message(body([...earlier, user(ask)])));
    // a.ts is in context (written in this session); b.ts did not change: neither is read.
    expect(reads.map((b) => (b["input"] as Json)["file_path"])).toEqual([`${CWD}/c.ts`, `${CWD}/gone.ts`]);
    const results = { role: "user", content: [
      { type: "tool_result", tool_use_id: reads[0]?.["id"], content: "1\tnew file\n2" },
      { type: "tool_result", tool_use_id: reads[1]?.["id"], content: "File does not exist.", is_error: true },
    ] };
    const answer = await message(body([...earlier, user(ask), { role: "assistant", content: reads }, results]));
    const doc = (JSON.parse(String(content(answer)[0]?.["text"])) as { documentation: string }).documentation;
    expect(doc.split("\n").filter((l) => l.startsWith("- "))).toEqual([
      "- `a.ts` (1 lines): export const a = 1;",
      "- `b.ts` (2 lines): unchanged",
      "- `c.ts` (1 lines): new file",
    ]);
  });

  it("documents from scratch by listing the workspace and reading a sample of what it lacks", async () => {
    const ask = user(buildPrompt({ operation: "metadata", prompt: "", metadataContext: null }));
    const listing = content(await message(body([ask])));
    expect(listing.map((b) => b["name"])).toEqual(["Bash"]); // this request offers no Glob
    const files = Array.from({ length: 15 }, (_, i) => `${CWD}/src/m${String(i).padStart(2, "0")}.ts`);
    const listed = [ask, { role: "assistant", content: listing }, toolResult(String(listing[0]?.["id"]), [...files, `${CWD}/README.md`].join("\n"))];
    const reads = content(await message(body(listed)));
    expect(reads).toHaveLength(METADATA_READ_BUDGET);
    expect((reads[0]?.["input"] as Json)["file_path"]).toBe(`${CWD}/README.md`); // key files first
  });

  it("answers compaction with a summary of files and messages, and metadata with JSON", async () => {
    const earlier = [
      user("create notes.txt with one"),
      toolUse("toolu_a", "Write", { file_path: `${CWD}/notes.txt`, content: "one\n" }),
      toolResult("toolu_a", "File created successfully"),
      { role: "assistant", content: [{ type: "text", text: "Done." }] },
    ];
    const summary = await message(body([...earlier, user("Your task is to create a detailed summary of the conversation so far, paying close attention…")]));
    const text = String(content(summary)[0]?.["text"]);
    expect(text).toMatch(/<summary>[\s\S]*notes\.txt \(1 lines\): created[\s\S]*"create notes\.txt with one"[\s\S]*<\/summary>/);
    // Documenting needs every file: list the workspace, read what is not in context, then answer.
    const ask = [...earlier, user("SESSION_CHAIN_METADATA_REQUEST: answer with JSON")];
    const listing = content(await message(body(ask)));
    expect(listing.map((b) => b["name"])).toEqual(["Bash"]); // this request offers no Glob
    const listed = [...ask, toolUse(String(listing[0]?.["id"]), "Bash", listing[0]?.["input"] as Json), toolResult(String(listing[0]?.["id"]), `${CWD}/notes.txt\n${CWD}/other.txt`)];
    const reads = content(await message(body(listed)));
    expect(reads.map((b) => [b["name"], (b["input"] as { file_path: string }).file_path])).toEqual([["Read", `${CWD}/other.txt`]]);
    const meta = await message(body([...listed, toolUse(String(reads[0]?.["id"]), "Read", { file_path: `${CWD}/other.txt` }), toolResult(String(reads[0]?.["id"]), "     1\tsecond file")]));
    const parsed = JSON.parse(String(content(meta)[0]?.["text"])) as { recommendations: string[]; documentation: string };
    expect(parsed.recommendations.length).toBeGreaterThan(0);
    expect(parsed.documentation).toContain("notes.txt");
    expect(parsed.documentation).toContain("`other.txt` (1 lines): second file");
    expect((await requests()).map((r) => r.kind)).toEqual(["compaction", "metadata", "metadata", "metadata"]);
  });

  it("logs each request: session header, kind, prompts, tool calls and usage", async () => {
    await fetch(`${sim.url}/v1/messages`, {
      method: "POST",
      headers: { "x-claude-code-session-id": "sess-1" },
      body: JSON.stringify(body([user("create a.txt with x")])),
    });
    const [entry] = await requests();
    expect(entry).toMatchObject({
      sessionId: "sess-1",
      model: MODEL,
      kind: "turn",
      status: 200,
      messageCount: 1,
      userPrompts: ["create a.txt with x"],
      toolCalls: [{ name: "Write", target: `${CWD}/a.txt` }],
      stopReason: "tool_use",
    });
    expect(entry?.costUsd).toBeGreaterThan(0);
    expect(entry?.ttftMs).toBeGreaterThan(500);
    await fetch(`${sim.url}/__sim/requests`, { method: "DELETE" });
    expect(await requests()).toEqual([]);
  });
});

describe("instruction language", () => {
  it("parses every instruction form, bullets and escapes, and ignores prose", () => {
    expect(
      parseInstructions(
        [
          "Please do this:",
          "- create src/a.ts with export const a = 1;\\n",
          "2. append to README.md: more\\ttext",
          "append to every file under src: // end",
          "replace in src/a.ts: = 1 => = 2",
          "scaffold 12 files under lib/",
          "scaffold 200 files of 2-8 KB under src",
          "read package.json",
          "scaffold 0 files under x",
          "scaffold 3 files of 8-2 KB under x",
          "undo version 3",
          "Undo the changes of version 12.",
          "make the same edit you made to src/a.ts in src/b.ts",
          "rename what you added last time to widgetCount",
          "Request for version 4:",
        ].join("\n"),
      ),
    ).toEqual([
      { op: "create", path: "src/a.ts", content: "export const a = 1;\n" },
      { op: "append", path: "README.md", text: "more\ttext\n" },
      { op: "appendAll", dir: "src", text: "// end\n" },
      { op: "replace", path: "src/a.ts", search: "= 1", replacement: "= 2" },
      { op: "scaffold", count: 12, dir: "lib", kb: null },
      { op: "scaffold", count: 200, dir: "src", kb: [2, 8] },
      { op: "read", path: "package.json" },
      { op: "undo", version: 3 },
      { op: "undo", version: 12 },
      { op: "repeatEdit", from: "src/a.ts", to: "src/b.ts" },
      { op: "renameAdded", name: "widgetCount" },
    ]);
  });

  it("anchors appends on the shortest unique tail", () => {
    expect(uniqueTail("a\nb\n")).toBe("b\n");
    expect(uniqueTail("x\ny\nx\n")).toBe("y\nx\n");
    expect(uniqueTail("same")).toBe("same");
  });

  it("removes the last occurrence of a text with an Edit whose old_string is unique", () => {
    expect(removalEdit("a\nz\nb\n", "z\n")).toEqual({ oldString: "z\n", newString: "" });
    // z occurs twice: the window grows by whole lines until it is unique.
    const content = "z\na\nz\n";
    const edit = removalEdit(content, "z\n");
    expect(edit).toEqual({ oldString: "a\nz\n", newString: "a\n" });
    expect(content.replace(edit?.oldString ?? "", edit?.newString ?? "")).toBe("z\na\n");
    expect(removalEdit("abc", "x")).toBeNull();
  });
});

describe("latency", () => {
  it("sleeps for the modelled time to first token, scaled", async () => {
    const slow = await startSimulator({ latencyScale: 0.5, latency: { ttftBaseMs: 400, msPerUncachedToken: 0, outputTokensPerSecond: 0 } });
    try {
      const started = Date.now();
      const res = await fetch(`${slow.url}/v1/messages`, { method: "POST", body: JSON.stringify({ model: MODEL, stream: true, messages: [user("hi")] }) });
      await res.text();
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(slow.requests()[0]?.ttftMs).toBe(400);
    } finally {
      await slow.close();
    }
  });
});
