// api.js against a real loopback server: headers, the error shape, streamed jobs, and Stop.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { ApiError, apiFetch, setTokenProvider, streamJob } from "../../addin/api.js";
import { readBody, startServer } from "./helpers.mjs";

let server = null;
afterEach(async () => {
  setTokenProvider(null);
  await server?.close();
  server = null;
});

function staticTokens(token = "tok-1") {
  const provider = { invalidated: 0, token, getToken: async () => provider.token, invalidate() { provider.invalidated++; provider.token = "tok-2"; } };
  return provider;
}

test("apiFetch sends the bearer token and JSON, and returns the JSON answer", async () => {
  let seen;
  server = await startServer(async (req, res) => {
    seen = { method: req.method, url: req.url, headers: req.headers, body: await readBody(req) };
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ ok: 1 }));
  });
  setTokenProvider(staticTokens());
  assert.deepEqual(await apiFetch("/api/v1/rewrite", { body: { text: "é" } }), { ok: 1 });
  assert.equal(seen.method, "POST");
  assert.equal(seen.headers.authorization, "Bearer tok-1");
  assert.equal(seen.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(seen.body), { text: "é" });
});

test("a GET without body; auth: false sends no Authorization", async () => {
  let seen;
  server = await startServer((req, res) => {
    seen = req;
    res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
  });
  setTokenProvider(staticTokens());
  await apiFetch("/dev/token", { method: "GET", auth: false });
  assert.equal(seen.method, "GET");
  assert.equal(seen.headers.authorization, undefined);
});

test("the error shape becomes an ApiError with its fields and Retry-After", async () => {
  server = await startServer((req, res) => {
    res.writeHead(429, { "Content-Type": "application/json", "Retry-After": "7", "X-Request-Id": "hdr" })
      .end(JSON.stringify({ error: "rate_limited", message: "Slow down.", request_id: "req-123" }));
  });
  const err = await apiFetch("/api/v1/me").then(() => null, (e) => e);
  assert.ok(err instanceof ApiError);
  assert.deepEqual([err.status, err.error, err.message, err.requestId, err.retryAfter], [429, "rate_limited", "Slow down.", "req-123", 7]);
});

test("a non-JSON failure still gives an ApiError with the response's request id", async () => {
  server = await startServer((req, res) => {
    res.writeHead(502, { "Content-Type": "text/html", "X-Request-Id": "proxy-1" }).end("<h1>Bad gateway</h1>");
  });
  const err = await apiFetch("/api/v1/me").then(() => null, (e) => e);
  assert.deepEqual([err.status, err.error, err.requestId], [502, "http_error", "proxy-1"]);
  assert.match(err.message, /502/);
});

test("a 401 renews the token once, then gives up", async () => {
  const auths = [];
  server = await startServer((req, res) => {
    auths.push(req.headers.authorization);
    res.writeHead(401, { "Content-Type": "application/json" })
      .end(JSON.stringify({ error: "unauthorized", message: "Token expired.", request_id: "r" }));
  });
  const tokens = staticTokens();
  setTokenProvider(tokens);
  const err = await apiFetch("/api/v1/me").then(() => null, (e) => e);
  assert.equal(err.error, "unauthorized");
  assert.deepEqual(auths, ["Bearer tok-1", "Bearer tok-2"]);
  assert.equal(tokens.invalidated, 1);
});

test("an unreachable service is a network_error", async () => {
  server = await startServer((req, res) => res.end());
  const base = server.base;
  await server.close();
  server = null;
  const realFetch = globalThis.fetch;
  globalThis.fetch = (path, init) => realFetch(base + path, init);
  try {
    const err = await apiFetch("/api/v1/me").then(() => null, (e) => e);
    assert.equal(err.error, "network_error");
  } finally {
    globalThis.fetch = realFetch;
  }
});

function sseServer(pieces, { status = 200, onClose } = {}) {
  return startServer(async (req, res) => {
    const body = JSON.parse(await readBody(req));
    res.on("close", () => onClose?.()); // the response closes early only when the client goes away
    res.writeHead(status, { "Content-Type": "text/event-stream", "X-Request-Id": "rid-9" });
    res.flushHeaders();
    for (const piece of typeof pieces === "function" ? pieces(body, req) : pieces) {
      if (typeof piece === "number") await new Promise((r) => setTimeout(r, piece));
      else if (piece === null) return; // leave the response open
      else res.write(piece);
    }
    res.end();
  });
}

test("streamJob forwards progress, delta and result as they arrive and resolves with the result", async () => {
  let sent;
  server = await sseServer((body) => {
    sent = body;
    return ["event: progress\r\ndata: {\"stage\":\"map\",\"done\":1,", 5, "\"total\":2}\r\n\r", 5, "\n: ping\n\n",
      "event: delta\ndata: {\"text\":\"Hel\"}\n\nevent: delta\ndata: {\"text\":\"lo \\u00e9\"}\n\n",
      "event: result\ndata: {\"text\":\"Hello é\"}\n\n"];
  });
  const seen = [];
  const result = await streamJob("/api/v1/rewrite", { text: "x" }, { onEvent: (name, data) => seen.push([name, data]) });
  assert.deepEqual(result, { text: "Hello é" });
  assert.deepEqual(seen, [["progress", { stage: "map", done: 1, total: 2 }], ["delta", { text: "Hel" }],
    ["delta", { text: "lo é" }], ["result", { text: "Hello é" }]]);
  assert.equal(sent.stream, true);
});

test("a multi-byte character split across chunks is decoded whole", async () => {
  const bytes = Buffer.from("event: result\ndata: {\"text\":\"Ça\"}\n\n");
  const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of Ç
  server = await startServer(async (req, res) => {
    await readBody(req);
    res.writeHead(200, { "Content-Type": "text/event-stream" });
    res.write(bytes.subarray(0, cut));
    await new Promise((r) => setTimeout(r, 5));
    res.end(bytes.subarray(cut));
  });
  assert.deepEqual(await streamJob("/api/v1/rewrite", {}), { text: "Ça" });
});

test("an error event rejects with its fields after onEvent saw it", async () => {
  server = await sseServer(["event: delta\ndata: {\"text\":\"a\"}\n\n",
    "event: error\ndata: {\"error\":\"upstream_error\",\"message\":\"Model failed.\",\"request_id\":\"rid-9\"}\n\n"]);
  const names = [];
  const err = await streamJob("/api/v1/draft", {}, { onEvent: (name) => names.push(name) }).then(() => null, (e) => e);
  assert.ok(err instanceof ApiError);
  assert.deepEqual([err.error, err.message, err.requestId], ["upstream_error", "Model failed.", "rid-9"]);
  assert.deepEqual(names, ["delta", "error"]);
});

test("a stream that ends without result or error is reported, never a silent end", async () => {
  server = await sseServer(["event: delta\ndata: {\"text\":\"a\"}\n\n", "event: result\ndata: {\"text\":"]);
  const err = await streamJob("/api/v1/draft", {}).then(() => null, (e) => e);
  assert.equal(err.error, "stream_cut");
  assert.equal(err.requestId, "rid-9");
});

test("an HTTP error before the stream is an ApiError", async () => {
  server = await startServer(async (req, res) => {
    await readBody(req);
    res.writeHead(400, { "Content-Type": "application/json" })
      .end(JSON.stringify({ error: "invalid_request", message: "preset: unknown", request_id: "q", field: "preset" }));
  });
  const err = await streamJob("/api/v1/rewrite", {}).then(() => null, (e) => e);
  assert.deepEqual([err.status, err.error, err.field], [400, "invalid_request", "preset"]);
});

test("Stop aborts the stream and the server sees the connection closed", async () => {
  let closed;
  const serverSawClose = new Promise((resolve) => { closed = resolve; });
  server = await sseServer(["event: delta\ndata: {\"text\":\"a\"}\n\n", null], { onClose: closed });
  const controller = new AbortController();
  const err = await streamJob("/api/v1/rewrite", {}, {
    signal: controller.signal,
    onEvent: (name) => { if (name === "delta") controller.abort(); },
  }).then(() => null, (e) => e);
  assert.equal(err.name, "AbortError");
  await serverSawClose;
});
