// The user's pause before each update (think time), drawn with the seed. Nothing sleeps:
// the benchmark moves the simulator's prompt-cache clock and the project's job clock.
//
// A modelled distribution, not measured user data (docs/benchmark.md): a user who iterates
// in bursts, comes back after a meeting, after lunch, the next day. Stratified so that every
// chain sees every kind of pause in the stated shares: each band gets its share of the
// chain's updates (largest remainder; at least one each from 4 updates on), a length drawn
// log-uniformly inside the band, and the order is shuffled.
import { prng } from "./stats.ts";

export interface PauseBand {
  name: string;
  share: number;
  minMs: number;
  maxMs: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export const PAUSE_BANDS: readonly PauseBand[] = [
  // Inside the 5-minute prompt-cache TTL: the next request of a burst of work.
  { name: "under 5 min", share: 0.5, minMs: 20_000, maxMs: 5 * MIN },
  // Past the 5-minute TTL, within the 1-hour TTL: a coffee, a meeting, reading the result.
  { name: "5-60 min", share: 0.25, minMs: 5 * MIN, maxMs: HOUR },
  // Past the 1-hour TTL, the same day.
  { name: "1-24 h", share: 0.175, minMs: HOUR, maxMs: DAY },
  // Past the product's 24-hour stale rule (SESSION_MAX_AGE_HOURS): back after days.
  { name: "over 1 day", share: 0.075, minMs: DAY + MIN, maxMs: 4 * DAY },
];

/** How many pauses of each band a chain of `n` updates gets. */
export function bandCounts(n: number, bands: readonly PauseBand[] = PAUSE_BANDS): number[] {
  const floors = bands.map((b) => Math.floor(b.share * n));
  if (n >= bands.length) for (let i = 0; i < floors.length; i++) floors[i] = Math.max(1, floors[i] ?? 0);
  let left = n - floors.reduce((s, c) => s + c, 0);
  // Largest remainder first; when the minimum of one each overshot, take back from the largest bands.
  const byRemainder = bands.map((b, i) => ({ i, r: b.share * n - Math.floor(b.share * n) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; left > 0; k++, left--) {
    const i = byRemainder[k % byRemainder.length]?.i ?? 0;
    floors[i] = (floors[i] ?? 0) + 1;
  }
  while (left < 0) {
    const largest = floors.indexOf(Math.max(...floors));
    floors[largest] = (floors[largest] ?? 0) - 1;
    left++;
  }
  return floors;
}

export interface Pause {
  ms: number;
  band: string;
}

/** The pause before each of `n` updates (the first one: after the create). */
export function drawPauses(n: number, seed: number, bands: readonly PauseBand[] = PAUSE_BANDS): Pause[] {
  const random = prng(seed * 7919 + 17);
  const counts = bandCounts(n, bands);
  const pauses: Pause[] = [];
  bands.forEach((band, i) => {
    for (let k = 0; k < (counts[i] ?? 0); k++) {
      const ms = Math.exp(Math.log(band.minMs) + random() * (Math.log(band.maxMs) - Math.log(band.minMs)));
      pauses.push({ ms: Math.round(ms), band: band.name });
    }
  });
  for (let i = pauses.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = pauses[i];
    const b = pauses[j];
    if (a !== undefined && b !== undefined) [pauses[i], pauses[j]] = [b, a];
  }
  return pauses;
}
