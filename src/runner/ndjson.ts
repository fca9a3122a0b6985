/** What ndjsonLines reads from: a stream's reader, or a wrapper that watches its reads. */
export interface ChunkReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
}

/** Splits a byte stream into complete lines; a final line without newline is kept. */
export async function* ndjsonLines(reader: ChunkReader): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line !== "") yield line;
      newline = buffer.indexOf("\n");
    }
  }
  const rest = (buffer + decoder.decode()).trim();
  if (rest !== "") yield rest;
}
