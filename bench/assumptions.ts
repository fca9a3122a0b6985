// The modelling assumptions behind the numbers, printed next to them and stored in
// bench/results.json. The simulator's own are documented in docs/simulator.md.
import { minCacheableTokens } from "../scripts/simulator/cache.ts";
import { DEFAULT_LATENCY } from "../scripts/simulator/latency.ts";
import { priceFor } from "../scripts/simulator/pricing.ts";
import type { BenchOptions } from "./options.ts";

/** `model`: the id Claude Code requested (it picks its default model; the simulator echoes it). */
export function assumptions(o: BenchOptions, model: string): string[] {
  const l = DEFAULT_LATENCY;
  const price = priceFor(model);
  const minPrefix = minCacheableTokens(model).toLocaleString("en-US");
  return [
    "Model: the offline simulator (scripts/simulator, docs/simulator.md); the real Claude Code engine (Agent SDK) builds every request, runs the tools and writes the transcripts. Only the model is simulated, deterministically (same seed, same answers).",
    "Model behaviour: the model knows a file only from its context. A fresh session must Read each file before it edits it (and list a directory first when it needs its files); a resumed session edits what earlier turns wrote or read directly. Documenting the project (the metadata step) needs every file, so the model lists the workspace and reads the files it does not have in context. At most 4 tool calls per response.",
    "Tokens: ceil(characters / 4) per prompt segment (tool definitions, system blocks, message blocks).",
    `Prompt cache as the API documents it: cache_control breakpoints, 20-block lookback, 5-minute TTL refreshed on every hit (1 hour with ttl 1h), minimum cacheable prefix ${minPrefix} tokens for ${model} (shorter prompts are never cached). One cache for the whole simulator: fresh sessions could share the tools + system prefix, but with the runner's few file tools that prefix is below the minimum.`,
    `Cost: Claude Code's own total_cost_usd (per step: its delta, summed per version), i.e. Claude Code's price table for ${model}. The simulator prices the same usage at its list prices ($${price.inputPerMTok} input / $${price.outputPerMTok} output per million tokens; cache reads 0.1x input, 5-minute writes 1.25x, 1-hour writes 2x); for this model the two tables differ, so results.json keeps both (simulatorCostUsd) and the comparison is reported with each.`,
    `Latency: time to first token = ${l.ttftBaseMs} ms + ${l.msPerUncachedToken} ms per uncached input token (plain input and cache writes) + ${l.msPerCachedToken} ms per cached token; output at ${l.outputTokensPerSecond} tokens/s. Every sleep is multiplied by the latency scale (${o.latencyScale} here).`,
    `Wall time per update = the job's startedAt → finishedAt (GET /v1/projects/:id/jobs/:jobId): the Durable Object's resume checks, the engine process start, the update step, the metadata step and saving the transcript and workspace to R2. Measured at latency scale ${o.latencyScale}; "projected" = measured + (1 - ${o.latencyScale}) x the modelled model time of the update's API calls (the simulator logs it unscaled), i.e. the same job with the model's delays at full length.`,
    `Workload: create scaffolds ${o.files} TypeScript modules (~1 KB each) under src/; then ${o.updates} updates, one after another, each touching 2-3 existing files (one append, one or two replaces), chosen with seed ${o.seed}. Same prompts in both modes.`,
    o.gapMinutes > 0
      ? `Think time: ${o.gapMinutes} minutes between updates (the simulator's cache clock is moved forward; the Worker's clock is not).`
      : "Think time: none, updates follow each other at once, so a resumed session's prefix is still in the 5-minute prompt cache. A pause longer than the TTL turns those cache reads into cache writes (--gap-minutes).",
    `Compaction policy: ${o.compactionPolicy}${o.compactionPolicy === "threshold" ? " (120 000 context tokens, the default; this workload stays below it, so no compaction runs)" : ""}. Every job = the update step + the metadata step (both resume in resume mode).`,
    "Modes: SESSION_RESUME_ENABLED=true (every update resumes, forking the previous version's session) versus false (every update starts a new session); each mode on a fresh stack (Worker under wrangler dev, Durable Object, local Postgres 15, runner process, simulator) with the same seed.",
    "Edge part: the Worker under wrangler dev (workerd, locally) with Postgres on loopback through the Neon WebSocket proxy; the jobs the updates start run on the fake runner (same protocol, no engine) so that 50 concurrent Claude Code processes do not compete with the Worker for this machine's cores; the \"runner directly\" requests go to the real runner process. Everything on one machine: the ratios matter, not the absolute milliseconds.",
  ];
}
