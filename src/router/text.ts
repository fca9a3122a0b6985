import type { z } from "@hono/zod-openapi";

// What Postgres `text`/`jsonb` refuse (NUL; lone UTF-16 surrogates are not valid UTF-8
// either) and control characters that have no place in a stored string. Prompts are
// prose and code, so they keep line breaks and tabs; names, keys and ids keep nothing.
// C0 controls, DEL, C1 controls, and lone surrogates (\p{Cs} only matches unpaired
// halves under the u flag).
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f]|\p{Cs}/u;
const FORBIDDEN_EXCEPT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|\p{Cs}/u;

export type TextKind = "line" | "multiline";

/**
 * The one check every stored string of a request goes through (`.superRefine(cleanText(...))`):
 * a 400 naming the field and the first offending character.
 */
export function cleanText(field: string, kind: TextKind): (value: string, ctx: z.RefinementCtx) => void {
  const pattern = kind === "line" ? FORBIDDEN : FORBIDDEN_EXCEPT_WHITESPACE;
  return (value, ctx) => {
    const match = pattern.exec(value);
    if (match === null) return;
    const code = match[0].codePointAt(0) ?? 0;
    const what = code >= 0xd800 && code <= 0xdfff ? "an unpaired surrogate" : `control character U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
    const allowed = kind === "multiline" ? " (line breaks and tabs are allowed)" : "";
    ctx.addIssue({ code: "custom", message: `${field} must not contain ${what}, found at index ${match.index}${allowed}` });
  };
}
