// auth.js: the dev token is fetched once, reused until shortly before it expires, and renewed.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { createDevTokenProvider, tokenExpiry } from "../../addin/auth.js";
import { fakeJwt, readBody, startServer } from "./helpers.mjs";

let server = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const USER = { name: "Ada Lovelace", email: "ada@example.gov" };

test("tokenExpiry reads exp from the payload, and null from junk", () => {
  assert.equal(tokenExpiry(fakeJwt({ exp: 1700000000, name: "Zoë ✓" })), 1700000000);
  for (const junk of ["", "a.b", "a.!!!.c", fakeJwt({ exp: "soon" }), null]) assert.equal(tokenExpiry(junk), null);
});

test("one request for concurrent callers, reuse until 60 s before expiry, then renew", async () => {
  const bodies = [];
  let clock = 1000;
  server = await startServer(async (req, res) => {
    bodies.push(JSON.parse(await readBody(req)));
    res.writeHead(200, { "Content-Type": "application/json" })
      .end(JSON.stringify({ access_token: fakeJwt({ exp: clock + 3600, n: bodies.length }) }));
  });
  const provider = createDevTokenProvider({ getUser: () => USER, now: () => clock });
  const [a, b] = await Promise.all([provider.getToken(), provider.getToken()]);
  assert.equal(a, b);
  assert.equal(bodies.length, 1);
  assert.deepEqual(bodies[0], { name: USER.name, email: USER.email, roles: [] });
  clock += 3600 - 61;
  assert.equal(await provider.getToken(), a);
  clock += 2;
  assert.notEqual(await provider.getToken(), a);
  assert.equal(bodies.length, 2);
  provider.invalidate();
  await provider.getToken();
  assert.equal(bodies.length, 3);
});

test("no user: sign_in_required without calling the service", async () => {
  const provider = createDevTokenProvider({ getUser: () => null });
  await assert.rejects(provider.getToken(), { error: "sign_in_required" });
});

test("a service not in dev mode says so", async () => {
  server = await startServer((req, res) => {
    res.writeHead(404, { "Content-Type": "application/json" })
      .end(JSON.stringify({ error: "not_found", message: "There is nothing at this address.", request_id: "r1" }));
  });
  const provider = createDevTokenProvider({ getUser: () => USER });
  await assert.rejects(provider.getToken(), (err) => err.status === 404 && /development mode/.test(err.message) && err.requestId === "r1");
});
