// Public ids: a prefix naming the kind, then 24 lowercase alphanumerics.
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const BODY = 24;

export type IdKind = "prj" | "ver" | "job";

export function newId(kind: IdKind): string {
  const bytes = crypto.getRandomValues(new Uint8Array(BODY));
  let body = "";
  for (const byte of bytes) body += ALPHABET[byte % ALPHABET.length];
  return `${kind}_${body}`;
}

const PATTERNS: Record<IdKind, RegExp> = {
  prj: /^prj_[a-z0-9]{24}$/,
  ver: /^ver_[a-z0-9]{24}$/,
  job: /^job_[a-z0-9]{24}$/,
};

export const ID_PATTERN_SOURCE: Record<IdKind, string> = {
  prj: PATTERNS.prj.source,
  ver: PATTERNS.ver.source,
  job: PATTERNS.job.source,
};
