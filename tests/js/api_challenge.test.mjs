// api.js and a 401 interaction_required: the token provider signs in again once with the claims, the request
// is sent again with the new token, and a second refusal is shown with its claims and request id.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { apiFetch, setTokenProvider, streamJob } from "../../addin/api.js";
import { startServer } from "./helpers.mjs";

let server = null;
afterEach(async () => {
  setTokenProvider(null);
  await server?.close();
  server = null;
});

const CLAIMS = '{"access_token":{"capolids":{"essential":true,"values":["p1"]}}}';

function challengingTokens() {
  const provider = {
    token: "tok-1", challenges: [], invalidated: 0,
    getToken: async () => provider.token,
    invalidate() { provider.invalidated += 1; },
    async challenge(claims) { provider.challenges.push(claims); provider.token = `tok-${provider.challenges.length + 1}`; },
  };
  return provider;
}

function refuse(res, id) {
  res.writeHead(401, { "Content-Type": "application/json", "X-Request-Id": id })
    .end(JSON.stringify({ error: "interaction_required", message: "Sign in again.", claims: CLAIMS, request_id: id }));
}

test("interaction_required: one challenge with the claims, then the request succeeds", async () => {
  const auths = [];
  server = await startServer((req, res) => {
    auths.push(req.headers.authorization);
    if (auths.length === 1) return refuse(res, "r1");
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ ok: true }));
  });
  const tokens = challengingTokens();
  setTokenProvider(tokens);
  assert.deepEqual(await apiFetch("/api/v1/me"), { ok: true });
  assert.deepEqual(tokens.challenges, [CLAIMS]);
  assert.equal(tokens.invalidated, 0);
  assert.deepEqual(auths, ["Bearer tok-1", "Bearer tok-2"]);
});

test("interaction_required twice: shown, with its claims and request id, after one challenge", async () => {
  let calls = 0;
  server = await startServer((req, res) => refuse(res, `r${++calls}`));
  const tokens = challengingTokens();
  setTokenProvider(tokens);
  const err = await streamJob("/api/v1/rewrite", { text: "x" }).then(() => null, (e) => e);
  assert.equal(err.error, "interaction_required");
  assert.equal(err.claims, CLAIMS);
  assert.equal(err.requestId, "r2");
  assert.equal(calls, 2);
  assert.deepEqual(tokens.challenges, [CLAIMS]);
});

test("a provider without challenge (dev tokens) just renews the token", async () => {
  let calls = 0;
  server = await startServer((req, res) => {
    calls += 1;
    if (calls === 1) return refuse(res, "r1");
    res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
  });
  const tokens = { invalidated: 0, getToken: async () => "t", invalidate() { tokens.invalidated += 1; } };
  setTokenProvider(tokens);
  await apiFetch("/api/v1/me");
  assert.equal(tokens.invalidated, 1);
});
