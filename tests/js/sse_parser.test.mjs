// The pane's SSE parser against the WHATWG rules, fed in every possible split.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createSseParser } from "../../addin/sse.js";

function parse(chunks) {
  const events = [];
  const parser = createSseParser((event) => events.push(event));
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return events;
}

const STREAM =
  ": keep-alive comment\r\n" +
  "event: progress\r\ndata: {\"stage\":\"map\",\"done\":1,\"total\":2}\r\n\r\n" +
  "event: delta\rdata: {\"text\":\"Hé\"}\r\r" +
  "event: delta\ndata: line one\ndata: line two\n\n" +
  "id: 7\nretry: 1500\nevent: result\ndata:{\"ok\":true}\n\n";

const EXPECTED = [
  { type: "progress", data: "{\"stage\":\"map\",\"done\":1,\"total\":2}", id: "" },
  { type: "delta", data: "{\"text\":\"Hé\"}", id: "" },
  { type: "delta", data: "line one\nline two", id: "" },
  { type: "result", data: "{\"ok\":true}", id: "7" },
];

test("one chunk gives every event, whatever the line endings", () => {
  assert.deepEqual(parse([STREAM]), EXPECTED);
});

test("a split at any position, including between CR and LF, changes nothing", () => {
  for (let i = 0; i <= STREAM.length; i++) {
    for (let j = i; j <= STREAM.length; j += 7) {
      assert.deepEqual(parse([STREAM.slice(0, i), STREAM.slice(i, j), STREAM.slice(j)]), EXPECTED, `split at ${i}, ${j}`);
    }
  }
});

test("one character at a time", () => {
  assert.deepEqual(parse([...STREAM]), EXPECTED);
});

test("field rules: no space, two spaces, no colon, unknown fields", () => {
  const events = parse(["data:a\ndata:  b\ndata\nfoo: bar\n\n"]);
  assert.deepEqual(events, [{ type: "message", data: "a\n b\n", id: "" }]);
});

test("an event without data is not dispatched and its type does not leak", () => {
  assert.deepEqual(parse(["event: result\n\ndata: x\n\n"]), [{ type: "message", data: "x", id: "" }]);
});

test("an event not closed by a blank line is discarded at the end", () => {
  assert.deepEqual(parse(["event: result\ndata: {\"cut\":true}\n"]), []);
  assert.deepEqual(parse(["data: x"]), []);
});

test("retry and id are kept; an id with NUL is ignored", () => {
  const parser = createSseParser(() => {});
  parser.feed("retry: 2500\nid: a\nid: b\0c\ndata: x\n\nretry: soon\n");
  assert.equal(parser.retry, 2500);
  assert.equal(parser.lastEventId, "a");
});
