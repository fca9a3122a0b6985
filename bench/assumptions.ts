// The benchmark's own modelling choices, printed after the tables and stored in
// results.json. The simulated model's are in docs/simulator.md.
import { DEFAULT_LATENCY } from "../scripts/simulator/latency.ts";
import { mixOf, mixTitle } from "./mixes.ts";
import { modesNamed } from "./modes.ts";
import type { BenchOptions } from "./options.ts";
import { BOOTSTRAP_RESAMPLES, MIN_SAMPLES_FOR_P95 } from "./stats.ts";
import { PAUSE_BANDS } from "./think-time.ts";

const duration = (ms: number): string => (ms >= 86_400_000 ? `${ms / 86_400_000} d` : ms >= 3_600_000 ? `${ms / 3_600_000} h` : ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`);

export function assumptions(o: BenchOptions, model: string, qualityWired: boolean): string[] {
  const l = DEFAULT_LATENCY;
  const bands = PAUSE_BANDS.map((b) => `${Math.round(b.share * 1000) / 10}% ${b.name} (${duration(b.minMs)}-${duration(b.maxMs)})`).join(", ");
  const sizes = o.sizes.map((s) => `${s.files} files${s.fileKb === null ? " of about 1 KB" : ` of ${s.fileKb[0]}-${s.fileKb[1]} KB`}`).join("; ");
  return [
    `Model: the offline simulator (docs/simulator.md) answering as ${model}; the real Claude Code engine builds every request, runs the tools and writes the transcripts. Deterministic: same seed, same answers.`,
    `Modes (bench/modes.ts): ${modesNamed(o.modes).map((m) => `${m.name} = ${Object.entries(m.vars).map(([k, v]) => `${k}=${v}`).join(" ")}`).join("; ")}. Every chain runs on its own stack (Worker under wrangler dev, Durable Object, Postgres 15, runner, simulator with its own prompt cache and clock); ${o.concurrency} chains at once, a scenario's modes side by side.`,
    `Scenarios: ${sizes}; seeds ${o.seeds.join(", ")}; ${o.updates} updates per chain after the create. Workload (bench/workload.ts): ordinary edits (one append and one or two replaces in 2-3 modules; at each workload mix (bench/mixes.ts: ${o.featureShares.map((s) => mixTitle(mixOf(s))).join(", the headline; then ")}) that share of them name the modules' features, e.g. "replace in the price badge feature: …", which a session that does not hold the module finds by Grep and Read; the rest name the files) and context-dependent updates (undo version N, make the same edit you made to X in Y, rename what you added last time); after an ordinary edit the next update is context-dependent with chance ${o.contextChance}.`,
    `Think time before each update (bench/think-time.ts), stratified per chain: ${bands}; log-uniform inside each band, order shuffled with the seed. Nothing sleeps: the simulator's cache clock and the project's job clock in the Durable Object (DEV_CLOCK_ENABLED) move forward by the pause.`,
    `Compaction: COMPACTION_POLICY=threshold, COMPACTION_THRESHOLD_TOKENS per project size (${o.sizes.map((s) => `${s.files} files: ${s.compactionThreshold}`).join("; ")}; the product default is 120 000), so that compaction fires within a chain but not on nearly every update; the same in every mode.`,
    `Cost per update: Claude Code's own total_cost_usd, each step's delta, summed over the job's steps (update, metadata, compaction when it ran). Mean with a ${BOOTSTRAP_RESAMPLES}-resample percentile bootstrap 95% interval (resampled within each scenario; successive updates of a chain are not independent, so the interval is optimistic).`,
    `Wall time per update: the job's startedAt → finishedAt measured at latency scale ${o.latencyScale}, plus ${1 - o.latencyScale} x the modelled model time of its calls (time to first token ${l.ttftBaseMs} ms + ${l.msPerUncachedToken} ms per uncached and ${l.msPerCachedToken} ms per cached input token; output at ${l.outputTokensPerSecond} tokens/s): the job with the model at full speed. p95 only from ${MIN_SAMPLES_FOR_P95} updates on.`,
    qualityWired
      ? "Context quality: an update is right when the workspace after it equals, file for file and byte for byte, what the reference executor (scripts/simulator/reference.ts) computes from the workspace before it, the prompt and the full labelled request history. A failed job is not right. Score = share of updates done right."
      : "Context quality: NOT MEASURED in this run (the reference executor was not available); qualityScore is null.",
    "Hindsight oracle (bench/oracle.ts), over the policy mode's updates whose path ran as planned: per update the cheapest option that was open and acceptable in hindsight (the option taken only if done right; plain fresh only for an ordinary edit), the option taken at its billed cost, the others at their prediction times the run's median actual/predicted ratio of that option. Greedy per update from the state the policy's chain was in; no option is re-run from a snapshot, so the cost of an option not taken is a corrected prediction, not a measurement.",
    "Calibration: every step's total_cost_usd against the model table's price of the same calls (simulator log, matched by x-claude-code-session-id, cache writes by TTL); the run exits 1 above 0.5%.",
    "Edge part: the Worker under wrangler dev with Postgres on loopback through the Neon WebSocket proxy; the jobs run on the fake runner (same protocol, no engine). Absolute milliseconds on this machine; Durable Object RPCs per request from the Worker's Server-Timing header.",
  ];
}
