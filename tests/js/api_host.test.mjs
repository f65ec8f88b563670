// api.js names the application the pane runs in on every call (X-Drafter-Host), for the audit trail.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { HOST_HEADER, apiFetch, hostNameOf, setHostName, streamJob } from "../../addin/api.js";
import { startServer } from "./helpers.mjs";

let server = null;
afterEach(async () => {
  setHostName(null);
  await server?.close();
  server = null;
});

test("hostNameOf: a host's application, else its kind; both Outlook modes are outlook", () => {
  const table = [
    [{ kind: "word" }, "word"],
    [{ kind: "outlook-read" }, "outlook"],
    [{ kind: "outlook-compose" }, "outlook"],
    [{ kind: "preview" }, "preview"],
    [{ kind: "word", application: "preview" }, "preview"],  // the preview standing in for Word
    [{ kind: "outlook-read", application: "outlook" }, "outlook"],
    [{ kind: "word", application: "excel" }, "word"],       // an unknown application is not passed on
    [{}, "preview"],
    [null, "preview"],
  ];
  for (const [host, expected] of table) assert.equal(hostNameOf(host), expected, JSON.stringify(host));
});

test("every call carries X-Drafter-Host once set: JSON, unauthenticated and streamed", async () => {
  const seen = [];
  server = await startServer((req, res) => {
    seen.push([req.url, req.headers[HOST_HEADER.toLowerCase()]]);
    if (req.url === "/api/v1/rewrite") {
      res.writeHead(200, { "Content-Type": "text/event-stream" }).end('event: result\ndata: {"text": "x"}\n\n');
    } else {
      res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
    }
  });
  await apiFetch("/api/v1/me");
  setHostName("outlook");
  await apiFetch("/dev/token", { body: {}, auth: false });
  await streamJob("/api/v1/rewrite", { text: "a" });
  setHostName("word");
  await apiFetch("/api/v1/presets");
  assert.deepEqual(seen, [["/api/v1/me", undefined], ["/dev/token", "outlook"], ["/api/v1/rewrite", "outlook"],
    ["/api/v1/presets", "word"]]);
});

test("only word, outlook and preview are ever sent", async () => {
  const seen = [];
  server = await startServer((req, res) => {
    seen.push(req.headers[HOST_HEADER.toLowerCase()]);
    res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
  });
  setHostName("preview");
  await apiFetch("/api/v1/me");
  setHostName("outlook-read");
  await apiFetch("/api/v1/me");
  assert.deepEqual(seen, ["preview", undefined]);
});
