import { describe, expect, it } from "vitest";
import { SseParser } from "../../console/src/live/sse.ts";

describe("SseParser", () => {
  it("parses events split anywhere across chunks, with any line ending", () => {
    const text = "id: 1\nevent: queued\ndata: {\"a\":1}\n\nid: 2\r\nevent: running\r\ndata: {}\r\n\r\n: keep-alive\n\nid: 3\revent: progress\rdata: x\r\r";
    for (let size = 1; size <= text.length; size++) {
      const parser = new SseParser();
      const out = [];
      for (let i = 0; i < text.length; i += size) out.push(...parser.push(text.slice(i, i + size)));
      expect(out, `chunks of ${size}`).toEqual([
        { id: "1", event: "queued", data: "{\"a\":1}" },
        { id: "2", event: "running", data: "{}" },
        { id: "3", event: "progress", data: "x" },
      ]);
    }
  });

  it("joins data lines, keeps the last id, ignores events without data and unknown fields", () => {
    const parser = new SseParser();
    const out = parser.push("id: 7\nevent: a\n\nretry: 10\ndata: one\ndata:two\nfoo: bar\n\nevent: b\ndata\n\n");
    expect(out).toEqual([
      { id: "7", event: "message", data: "one\ntwo" },
      { id: "7", event: "b", data: "" },
    ]);
  });

  it("waits for the blank line before dispatching", () => {
    const parser = new SseParser();
    expect(parser.push("id: 1\ndata: x\n")).toEqual([]);
    expect(parser.push("\n")).toEqual([{ id: "1", event: "message", data: "x" }]);
  });
});
