// What kind of work a request asks for, from its text alone. The kinds cost differently in
// the same session: a request that names its files goes straight to them; one that names a
// feature or a behaviour must be searched for (Grep/Glob, then Read the candidates); one that
// refers to earlier work ("undo version 7", "the same edit", "rename what you added") is
// carried out from the context, usually on one file. Learning keeps the request's work per
// kind (profile.ts requestWork), so a project of large path edits does not price a small
// feature request like them. Forms are what users write, not only the benchmark's.

export const REQUEST_KINDS = ["path", "feature", "context"] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export interface RequestClass {
  kind: RequestKind;
  /** Distinct files or features the request names: what a session must find and change; null when the text does not say. */
  targets: number | null;
}

/** Requests that point at earlier work instead of spelling it out. */
const CONTEXT_FORMS: readonly RegExp[] = [
  /\b(undo|revert|roll\s*back|reverse)\b[^.\n]*\b(version|v\d|change|edit|commit|that|last|previous|it)\b/i,
  /^\s*(undo|revert)\b/im,
  /\b(the\s+)?same\s+(edit|change|thing|fix)s?\b/i,
  /\b(do|make|apply)\s+the\s+same\b/i,
  /\b(do|apply)\s+(that|it|this)\s+(again|too|as well)\b/i,
  /\b(like|as)\s+(you\s+did|before|last\s+time)\b/i,
  /\brename\s+(what|the\s+thing|the\s+(constant|function|export|variable)s?)\s+you\b/i,
  /\b(what|everything)\s+you\s+(added|changed|wrote|did)\b/i,
];

/** A file path: a name with an extension, optionally under directories (`src/x.ts`, `README.md`, `./a/b.json`). */
const PATH = /(?:^|[\s`'"(,:])((?:\.{0,2}\/)?(?:[\w@.-]+\/)*[\w@-][\w@.-]*\.[A-Za-z][A-Za-z0-9]{0,5})(?=$|[\s`'"),:;]|\.(?:\s|$))/gm;
/** A feature named as such: "the price badge feature", "the login page", "the checkout flow". */
const FEATURE = /\bthe\s+((?:[\w-]+\s+){0,3}?[\w-]+)\s+(feature|page|screen|component|flow|module|section|widget|form|view)\b/gi;

/** Dotted words that are not files: version numbers, abbreviations, libraries named `X.js`. */
const NOT_A_FILE = /^(v?\d+(\.\d+)+|e\.g|i\.e|etc|vs|(node|next|nuxt|vue|react|express|three|d3|chart|ember|backbone)\.js)$/i;

export function classifyRequest(text: string): RequestClass {
  if (CONTEXT_FORMS.some((form) => form.test(text))) return { kind: "context", targets: null };
  const paths = new Set([...text.matchAll(PATH)].flatMap((m) => (m[1] === undefined || NOT_A_FILE.test(m[1]) ? [] : [m[1]])));
  if (paths.size > 0) return { kind: "path", targets: paths.size };
  const features = new Set([...text.matchAll(FEATURE)].map((m) => (m[1] ?? "").toLowerCase()));
  return { kind: "feature", targets: features.size > 0 ? features.size : null };
}
