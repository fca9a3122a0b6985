// Numbers as people read them.
const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  if (value !== 0 && Math.abs(value) < 1) return `$${value.toFixed(4)}`;
  return `$${value.toFixed(2)}`;
}

export function tokens(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : integer.format(value);
}

export function percent(ratio: number | null | undefined, digits = 0): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio) ? "—" : `${(ratio * 100).toFixed(digits)}%`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m - h * 60} min`;
}

export function seconds(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : duration(value * 1000);
}

/** "3 min ago" (or "in 2 min"); the exact time belongs in a title attribute. */
export function ago(iso: string | null | undefined, now: number = Date.now()): string {
  if (iso === null || iso === undefined) return "—";
  const diff = Math.round((now - Date.parse(iso)) / 1000);
  const abs = Math.abs(diff);
  const text = abs < 5 ? "just now" : abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.floor(abs / 60)} min` : abs < 86_400 ? `${Math.floor(abs / 3600)} h` : `${Math.floor(abs / 86_400)} d`;
  if (text === "just now") return text;
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

export function dateTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return "—";
  return new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" });
}

/** The first characters of a session id: enough to tell them apart on screen. */
export function shortId(id: string | null | undefined): string {
  return id === null || id === undefined ? "—" : id.length > 13 ? `${id.slice(0, 8)}…` : id;
}

/** Share of the prompt served from the cache: reads / (plain input + cache writes + reads). */
export function cacheHitRatio(u: { inputTokens: number; cacheCreationInputTokens: number; cacheReadInputTokens: number }): number | null {
  const total = u.inputTokens + u.cacheCreationInputTokens + u.cacheReadInputTokens;
  return total === 0 ? null : u.cacheReadInputTokens / total;
}

/**
 * A relative difference in words, the sign carried by the word: −0.22 → "22% lower",
 * 0.1 → "10% higher", and "the same" when it rounds to 0%. Never "−22% higher".
 */
export function relativeDifference(ratio: number | null | undefined, words: { below: string; above: string } = { below: "lower", above: "higher" }): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return "—";
  const shown = Math.round(Math.abs(ratio) * 100);
  if (shown === 0) return "the same";
  return `${shown}% ${ratio < 0 ? words.below : words.above}`;
}
