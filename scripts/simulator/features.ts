// Named features: every scaffolded module implements one ("the price badge"), named in a
// comment and an identifier of the file, so a request can say what to change instead of
// where ("replace in the price badge feature: …"). A model finds a feature by searching the
// workspace for its name; the reference executor finds it the same way, in the files.

/** 25 × 20 = 500 names, one per module up to MAX_SCAFFOLD_FILES (instructions.ts). */
const SUBJECTS = [
  "price", "invoice", "cart", "profile", "search", "login", "checkout", "order", "shipping", "coupon",
  "review", "wishlist", "inventory", "payment", "refund", "avatar", "notification", "calendar", "booking", "report",
  "dashboard", "message", "upload", "export", "subscription",
] as const;
const PARTS = [
  "badge", "banner", "total", "filter", "label", "summary", "panel", "list", "form", "counter",
  "timer", "chart", "menu", "button", "tooltip", "header", "footer", "card", "preview", "status",
] as const;

/**
 * The feature of scaffolded module `index` (1-based): subject and part vary together so a
 * small project mixes both, and all 500 pairs are distinct (index − 1 = 25q + a gives part
 * (q + 3a) mod 20, one q per part for each a).
 */
export function featureName(index: number): string {
  const i = index - 1;
  const a = i % SUBJECTS.length;
  const q = Math.floor(i / SUBJECTS.length);
  return `${SUBJECTS[a] ?? "price"} ${PARTS[(q + 3 * a) % PARTS.length] ?? "badge"}`;
}

/** `price badge` → `priceBadge`: the identifier the module exports for it. */
export function featureIdentifier(feature: string): string {
  return feature.split(/\s+/).map((w, i) => (i === 0 ? w : `${w.charAt(0).toUpperCase()}${w.slice(1)}`)).join("");
}

/**
 * What a search for the feature looks for: its words in order with at most one character
 * between them, any case, so it finds the comment ("price badge") and the identifier
 * ("priceBadge") alike. The regular-expression source is what the model passes to Grep.
 */
export function featurePatternSource(feature: string): string {
  return feature.trim().split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".?");
}

export function mentionsFeature(content: string, feature: string): boolean {
  return new RegExp(featurePatternSource(feature), "i").test(content);
}
