// A transcript file as the check sees it: its lines, each parsed once. A line that is not a
// JSON object is kept as a fault, so findings can name it by its line number.
export type Json = Record<string, unknown>;

export type TranscriptLine =
  | { n: number; raw: string; value: Json }
  | { n: number; raw: string; value: null; fault: "invalid_json" | "not_an_object"; unterminatedTail: boolean };

export function isJson(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every non-blank line, numbered from 1 as in the file. */
export function readLines(text: string): TranscriptLine[] {
  const raw = text.split("\n");
  const terminated = text.endsWith("\n");
  const out: TranscriptLine[] = [];
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i] ?? "";
    if (line.trim() === "") continue;
    const unterminatedTail = i === raw.length - 1 && !terminated;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      out.push({ n: i + 1, raw: line, value: null, fault: "invalid_json", unterminatedTail });
      continue;
    }
    if (isJson(value)) out.push({ n: i + 1, raw: line, value });
    else out.push({ n: i + 1, raw: line, value: null, fault: "not_an_object", unterminatedTail });
  }
  return out;
}

/** A conversation entry: a line with a uuid (user, assistant, attachment, system). */
export interface Entry {
  n: number;
  raw: string;
  value: Json;
  uuid: string;
  parentUuid: string | null;
}

export function entryOf(line: TranscriptLine): Entry | null {
  const v = line.value;
  if (v === null || typeof v.uuid !== "string") return null;
  // Subagent lines (isSidechain) are another conversation; the engine resumes the main one.
  if (v.isSidechain === true) return null;
  const parent = typeof v.parentUuid === "string" ? v.parentUuid : null;
  return { n: line.n, raw: line.raw, value: v, uuid: v.uuid, parentUuid: parent };
}

/** The message content blocks of an entry (`message.content` as an array), else none. */
export function blocksOf(entry: Entry): Json[] {
  const message = entry.value.message;
  if (!isJson(message) || !Array.isArray(message.content)) return [];
  return message.content.filter(isJson);
}

/** The API message id of an assistant entry: parallel tool calls share one across lines. */
export function messageIdOf(entry: Entry): string | null {
  const message = entry.value.message;
  return isJson(message) && typeof message.id === "string" ? message.id : null;
}
