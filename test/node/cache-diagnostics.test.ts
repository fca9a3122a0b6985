// The model proxy's cache diagnostics on recorded request sequences: each request is priced
// by the simulator's prompt cache (the API's documented semantics, scripts/simulator/cache.ts)
// and classified by the proxy's watch, so the expected cause of every miss is the one the
// sequence was built to produce.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CacheMemory, loadMemory, saveMemory } from "../../container/src/model-proxy/cache/memory.ts";
import { blockName, printRequest } from "../../container/src/model-proxy/cache/prefix.ts";
import { CacheWatch } from "../../container/src/model-proxy/cache/watch.ts";
import { UsageMeter } from "../../container/src/model-proxy/meter.ts";
import type { CacheReport } from "../../container/src/protocol.ts";
import { PromptCache } from "../../scripts/simulator/cache.ts";
import { parseRequest } from "../../scripts/simulator/request.ts";
import { prefixHashes, segmentsOf } from "../../scripts/simulator/tokens.ts";
import { cacheFloors } from "../../src/models/table.ts";

const MODEL = "claude-sonnet-4-5"; // floor 1,024 tokens
const MIN = 60_000;

type Body = Record<string, unknown>;

const tool = (name: string): Body => ({ name, description: `${name} tool. ${"Describes its use at length. ".repeat(40)}`, input_schema: { type: "object" } });
const TOOLS = [tool("Read"), tool("Write"), tool("Edit")];
const SYSTEM = [{ type: "text", text: `You are a coding agent. ${"Follow the rules. ".repeat(200)}`, cache_control: { type: "ephemeral" } }];

/** A conversation as the engine sends it: the breakpoint on the newest message's last block. */
function request(turns: string[], options: { tools?: Body[]; system?: Body[]; ttl?: "1h"; model?: string } = {}): Body {
  const cacheControl = options.ttl === "1h" ? { type: "ephemeral", ttl: "1h" } : { type: "ephemeral" };
  const messages = turns.map((text, i) => ({
    role: i % 2 === 0 ? "user" : "assistant",
    content: [{ type: "text", text, ...(i === turns.length - 1 ? { cache_control: cacheControl } : {}) }],
  }));
  return { model: options.model ?? MODEL, max_tokens: 1000, stream: true, tools: options.tools ?? TOOLS, system: options.system ?? SYSTEM, messages };
}

const long = (label: string): string => `${label}: ${"the project's history, turn after turn. ".repeat(60)}`;

/** The API (as the simulator models it) shared by every run of the test, and one workspace's memory. */
class Sequence {
  now = Date.parse("2026-12-06T03:00:00Z");
  readonly api = new PromptCache(() => this.now);
  memory = new CacheMemory();
  #run = 0;

  /** One run: each body is answered (usage from the cache model) and classified in order. */
  run(sessionIn: string | null, bodies: Body[], sessionOut = `s${++this.#run}`): CacheReport {
    const watch = new CacheWatch(this.memory, { runId: `r${this.#run}`, sessionIn, floors: cacheFloors() });
    for (const body of bodies) {
      const sim = parseRequest(body);
      const segments = segmentsOf(sim);
      const priced = this.api.apply(sim.model, segments, prefixHashes(sim.model, segments));
      const print = printRequest(body);
      if (print === null) throw new Error("not a messages request");
      watch.observe(this.now, print, {
        readTokens: priced.readTokens,
        writeTokens: priced.write5mTokens + priced.write1hTokens,
        writeTokens1h: priced.write1hTokens,
        inputTokens: priced.uncachedTokens,
      });
      this.now += 5_000;
    }
    return watch.finish(sessionOut);
  }
}

const h = [long("build request"), long("build answer"), long("update request")];

describe("cache outcome of each call", () => {
  it("a first write and a warm resume have no misses; the resume reads the history", () => {
    const seq = new Sequence();
    const build = seq.run(null, [request(h.slice(0, 1)), request(h.slice(0, 3))]);
    expect(build.misses).toEqual([]);
    expect(build.writeTokens).toBeGreaterThan(0);
    seq.now += 2 * MIN;
    const update = seq.run("s1", [request([...h, long("update answer"), long("next request")])]);
    expect(update.misses).toEqual([]);
    expect(update.readTokens).toBeGreaterThan(build.writeTokens * 0.9);
  });

  it("a resume after the TTL: ttl_expired, with the age and the TTL it was written with", () => {
    const seq = new Sequence();
    seq.run(null, [request(h)]);
    seq.now += 12 * MIN;
    const update = seq.run("s1", [request([...h, long("answer"), long("next")])]);
    expect(update.misses).toHaveLength(1);
    expect(update.misses[0]).toMatchObject({ cause: "ttl_expired", block: "message 3", ttl: "5m", ageSeconds: 12 * 60 + 5, history: true, call: 1 });
    // The whole history was written again: everything up to the old breakpoint.
    expect(update.misses[0]?.tokens).toBe(update.writeTokens - 2 * Math.ceil(long("answer").length / 4));
  });

  it("a 1-hour write is still warm after 12 minutes", () => {
    const seq = new Sequence();
    const build = seq.run(null, [request(h, { ttl: "1h" })]);
    // The system prompt's breakpoint stays at 5 minutes; the conversation's is 1 hour.
    expect(build.writeTokens1h).toBeGreaterThan(0);
    expect(build.writeTokens1h).toBeLessThan(build.writeTokens);
    seq.now += 12 * MIN;
    expect(seq.run("s1", [request([...h, long("answer"), long("next")], { ttl: "1h" })]).misses).toEqual([]);
  });

  it.each([
    ["tools", { tools: [TOOLS[1], TOOLS[0], TOOLS[2]] as Body[] }, (t: string[]) => t],
    ["system", { system: [{ ...SYSTEM[0], text: `${SYSTEM[0]?.text} Today's date is 2026-12-07.` }] }, (t: string[]) => t],
    ["message 2", {}, (t: string[]) => [t[0] ?? "", `${t[1]} (edited)`, ...t.slice(2)]],
  ])("a warm resume whose %s changed: prefix_changed names the first changed block", (block, options, edit) => {
    const seq = new Sequence();
    seq.run(null, [request(h)]);
    seq.now += MIN;
    const update = seq.run("s1", [request([...edit(h), long("answer"), long("next")], options)]);
    expect(update.misses).toHaveLength(1);
    expect(update.misses[0]).toMatchObject({ cause: "prefix_changed", block, history: true });
    expect(update.misses[0]?.tokens).toBeGreaterThan(0);
  });

  it("a prompt under the model's minimum cacheable length: below_minimum with the floor", () => {
    const seq = new Sequence();
    const run = seq.run(null, [request(["hi"], { tools: [], system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }] })]);
    expect(run.misses).toEqual([expect.objectContaining({ cause: "below_minimum", minTokens: 1024, history: false })]);
    expect(run.writeTokens).toBe(0);
  });

  it("a resume with no fingerprints of its session (runner disk lost) is unknown, never a wrong cause", () => {
    const seq = new Sequence();
    seq.run(null, [request(h)]);
    seq.memory = new CacheMemory();
    seq.now += 12 * MIN;
    const update = seq.run("s1", [request([...h, long("answer"), long("next")])]);
    expect(update.misses).toEqual([expect.objectContaining({ cause: "unknown", history: true })]);
  });

  it("a side call of another shape inside a run is not compared with the main conversation", () => {
    const seq = new Sequence();
    const run = seq.run(null, [request(h), request([long("title this session")], { tools: [] }), request([...h, long("answer"), long("next")])]);
    expect(run.misses).toEqual([]);
  });
});

describe("fingerprint memory", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("survives a runner restart: the next run still knows when the history was written", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "cache-memory-"));
    dirs.push(dir);
    const file = path.join(dir, "cache-prints.json");
    const seq = new Sequence();
    seq.run(null, [request(h)]);
    await saveMemory(file, seq.memory, seq.now);
    seq.memory = await loadMemory(file, () => {});
    seq.now += 7 * MIN;
    const update = seq.run("s1", [request([...h, long("answer"), long("next")])]);
    // Written 5 s before the build run ended (each recorded call takes 5 s).
    expect(update.misses).toEqual([expect.objectContaining({ cause: "ttl_expired", ageSeconds: 7 * 60 + 5 })]);
  });

  it("stores hashes and counts, never content", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "cache-memory-"));
    dirs.push(dir);
    const file = path.join(dir, "cache-prints.json");
    const seq = new Sequence();
    seq.run(null, [request(["secret-token-1234 in the prompt", long("answer"), long("more")])]);
    await saveMemory(file, seq.memory, seq.now);
    const { readFile } = await import("node:fs/promises");
    const stored = await readFile(file, "utf8");
    expect(stored).not.toContain("secret-token-1234");
    expect(stored).not.toContain("Follow the rules");
  });
});

describe("fingerprints and usage", () => {
  it("names positions as tools, system or message N and ignores where the breakpoint sits", () => {
    const a = printRequest(request(h));
    const b = printRequest(request([...h, "next"]));
    expect(a?.breakpoints).toEqual([{ position: 3, ttl: "5m" }, { position: 6, ttl: "5m" }]);
    // Moving the breakpoint off message 3 does not change the prefix up to it.
    expect(b?.chain.slice(0, 7)).toEqual(a?.chain);
    const shape = a?.shape ?? { tools: 0, system: 0, messages: [] };
    expect([0, 3, 4, 6].map((p) => blockName(shape, p))).toEqual(["tools", "system", "message 1", "message 3"]);
  });

  it("reads 1-hour cache writes from the SSE stream", () => {
    const meter = new UsageMeter("text/event-stream");
    const usage = { input_tokens: 3, cache_read_input_tokens: 10, cache_creation_input_tokens: 50, cache_creation: { ephemeral_5m_input_tokens: 20, ephemeral_1h_input_tokens: 30 }, output_tokens: 1 };
    meter.feed(Buffer.from(`event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { usage } })}\n\n`));
    meter.feed(Buffer.from(`data: ${JSON.stringify({ type: "message_delta", usage: { output_tokens: 9 } })}\n\ndata: {"type":"message_stop"}\n\n`));
    const seen = meter.end();
    expect(seen.usage).toEqual({ inputTokens: 3, outputTokens: 9, cacheCreationInputTokens: 50, cacheReadInputTokens: 10 });
    expect(seen.cacheCreation1hTokens).toBe(30);
  });
});
