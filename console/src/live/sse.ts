// A text/event-stream parser (the WHATWG "event stream interpretation"), fed chunks of
// text as they arrive. EventSource cannot send an Authorization header, so the console
// reads the stream with fetch and parses it here.
export interface SseMessage {
  /** The last `id:` seen so far (it carries over to later events, as in EventSource). */
  id: string | null;
  event: string;
  data: string;
}

export class SseParser {
  private buffer = "";
  private lastId: string | null = null;
  private event = "";
  private data: string[] = [];
  private sawCr = false;

  /** Parses what complete lines `chunk` finishes; keeps an unfinished line for later. */
  push(chunk: string): SseMessage[] {
    let text = chunk;
    // A "\r\n" split across chunks: the "\n" belongs to the line the "\r" already ended.
    if (this.sawCr && text.startsWith("\n")) text = text.slice(1);
    this.sawCr = text.endsWith("\r");
    this.buffer += text;
    const out: SseMessage[] = [];
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? "";
    for (const line of lines) {
      const message = this.line(line);
      if (message !== null) out.push(message);
    }
    return out;
  }

  private line(line: string): SseMessage | null {
    if (line === "") {
      if (this.data.length === 0) {
        this.event = "";
        return null;
      }
      const message = { id: this.lastId, event: this.event === "" ? "message" : this.event, data: this.data.join("\n") };
      this.event = "";
      this.data = [];
      return message;
    }
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id" && !value.includes("\0")) this.lastId = value;
    return null;
  }
}
