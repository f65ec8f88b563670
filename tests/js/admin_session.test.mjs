// The admin page's sign-in and its one API wrapper. Dev mode: the typed user (with or without Drafter.Admin)
// gets a dev token through the wrapper. Entra mode, with a fake MSAL.js: the redirect back to /admin is handled
// first, tokens come from MSAL's cache or refresh token and never a hidden iframe, and MSAL needing the user
// (or a claims challenge, or a token the service refused) means a redirect with /admin as the redirect URI.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { createClient } from "../../addin/admin/client.js";
import { ADMIN_ROLE, createDevSession, createEntraSession } from "../../addin/admin/session.js";
import { fakeJwt, readBody, startServer } from "./helpers.mjs";

let server = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function memoryStorage() {
  const data = new Map();
  return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => data.set(k, String(v)), removeItem: (k) => data.delete(k) };
}

test("dev mode: the token asks for Drafter.Admin only when the user says so, and is kept until near expiry", async () => {
  const issued = [];
  server = await startServer(async (req, res) => {
    if (req.url === "/dev/token") {
      const body = JSON.parse(await readBody(req));
      issued.push(body);
      assert.equal(req.headers.authorization, undefined);
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ access_token: fakeJwt({ exp: 2000000000, n: issued.length }), expires_in: 3600 }));
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ auth: req.headers.authorization }));
  });
  const client = createClient();
  const session = createDevSession({ client, storage: memoryStorage(), now: () => 1900000000 });
  client.useTokens(session);
  assert.equal(session.user(), null);
  await assert.rejects(client.json("/api/v1/admin/usage"), (err) => err.error === "sign_in_required" && err.status === 401);

  await session.signIn({ name: "Ann Admin", email: "ann@agency.gov", admin: true });
  assert.deepEqual(session.user(), { name: "Ann Admin", email: "ann@agency.gov", admin: true });
  const first = await client.json("/api/v1/admin/usage");
  await client.json("/api/v1/admin/usage");
  assert.equal(issued.length, 1, "the token is reused");
  assert.match(first.auth, /^Bearer /);
  assert.deepEqual(issued[0], { name: "Ann Admin", email: "ann@agency.gov", roles: [ADMIN_ROLE] });

  await session.signIn({ name: "Ada Clerk", email: "ada@agency.gov", admin: false });
  assert.deepEqual(issued[1].roles, []);
  session.signOut();
  assert.equal(session.user(), null);
});

test("the wrapper renews a refused token once, then reports the refusal with its request id", async () => {
  let calls = 0;
  server = await startServer((req, res) => {
    calls += 1;
    res.writeHead(calls === 1 ? 401 : 403, { "Content-Type": "application/json", "X-Request-Id": "req-12345678" })
      .end(JSON.stringify({ error: calls === 1 ? "unauthorized" : "forbidden", message: "This needs the Drafter.Admin app role.", request_id: "req-12345678" }));
  });
  const client = createClient();
  let invalidated = 0;
  client.useTokens({ getToken: async () => "tok", invalidate: () => { invalidated += 1; } });
  await assert.rejects(client.json("/api/v1/admin/usage"), (err) => err.status === 403 && err.error === "forbidden" && err.requestId === "req-12345678");
  assert.equal(invalidated, 1);
  assert.equal(calls, 2);
});

test("a file comes with the name the service gives it", async () => {
  server = await startServer((req, res) => {
    assert.equal(req.headers.accept, "*/*");
    res.writeHead(200, { "Content-Type": "text/csv", "Content-Disposition": 'attachment; filename="drafter-usage-2026-03-03-2026-03-05.csv"' }).end("day\r\n");
  });
  const client = createClient();
  client.useTokens({ getToken: async () => "tok", invalidate() {} });
  const { blob, filename } = await client.file("/api/v1/admin/usage?format=csv", "fallback.csv");
  assert.equal(filename, "drafter-usage-2026-03-03-2026-03-05.csv");
  assert.equal(await blob.text(), "day\r\n");
});

test("a service out of reach, or an answer that is not JSON, is a plain ApiError", async () => {
  const client = createClient();
  client.useTokens({ getToken: async () => "tok", invalidate() {} });
  server = await startServer((req, res) => res.writeHead(200, { "Content-Type": "text/html", "X-Request-Id": "req-abcdef12" }).end("<html>proxy page</html>"));
  await assert.rejects(client.json("/api/v1/admin/usage"), (err) => err.error === "bad_response" && err.requestId === "req-abcdef12");
  await server.close();
  server = null;
  const realFetch = globalThis.fetch;
  globalThis.fetch = async () => { throw new TypeError("fetch failed"); };
  try {
    await assert.rejects(client.json("/api/v1/admin/usage"), (err) => err.error === "network_error" && /Could not reach/.test(err.message));
  } finally {
    globalThis.fetch = realFetch;
  }
});

const CONFIG = {
  auth_mode: "entra", client_id: "0c5f3d2e-0000-4000-8000-0000000d12af",
  app_id_uri: "api://drafter.agency.test/0c5f3d2e-0000-4000-8000-0000000d12af",
  scope: "api://drafter.agency.test/0c5f3d2e-0000-4000-8000-0000000d12af/access_as_user",
  authority: "https://login.microsoftonline.us/72f988bf-0000-4000-8000-00000000cafe",
};
const ORIGIN = "https://drafter.agency.test";
const ACCOUNT = { username: "ann@agency.gov", name: "Ann Admin", homeAccountId: "oid.tid" };

/** A fake of MSAL.js's namespace recording every call; `silent` is what acquireTokenSilent does. */
function fakeMsal({ returned = null, accounts = [], silent = async () => ({ accessToken: "silent-token" }) } = {}) {
  const log = [];
  class InteractionRequiredAuthError extends Error {}
  class PublicClientApplication {
    constructor(configuration) { log.push(["new", configuration]); }
    async initialize() { log.push(["initialize"]); }
    async handleRedirectPromise() { log.push(["handleRedirectPromise"]); return returned; }
    getActiveAccount() { return null; }
    getAllAccounts() { return accounts; }
    setActiveAccount(account) { log.push(["setActiveAccount", account.username]); }
    async acquireTokenSilent(request) { log.push(["silent", request]); return silent(request); }
    async acquireTokenRedirect(request) { log.push(["redirect", request]); }
    async logoutRedirect(request) { log.push(["logout", request]); }
  }
  return { log, msal: { PublicClientApplication, InteractionRequiredAuthError, CacheLookupPolicy: { AccessTokenAndRefreshToken: 2, RefreshToken: 3 } } };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

test("entra: set up for /admin as redirect URI, with the configured authority trusted as it is", async () => {
  const { log, msal } = fakeMsal();
  const session = await createEntraSession({ msal, config: CONFIG, origin: ORIGIN });
  const [, configuration] = log[0];
  assert.deepEqual(configuration.auth, {
    clientId: CONFIG.client_id, authority: CONFIG.authority, knownAuthorities: ["login.microsoftonline.us"],
    redirectUri: `${ORIGIN}/admin`,
  });
  assert.equal(configuration.cache.cacheLocation, "sessionStorage");
  assert.deepEqual(log.slice(1).map(([name]) => name), ["initialize", "handleRedirectPromise"]);
  assert.equal(session.user(), null);
  await assert.rejects(session.getToken(), (err) => err.error === "sign_in_required");

  session.signIn();
  await settle();
  assert.deepEqual(log.at(-1), ["redirect", { scopes: [CONFIG.scope], redirectUri: `${ORIGIN}/admin`, prompt: "select_account" }]);
});

test("entra: back from the redirect, its token is used once, then MSAL's cache and refresh token", async () => {
  const { log, msal } = fakeMsal({ returned: { account: ACCOUNT, accessToken: "redirect-token" } });
  const session = await createEntraSession({ msal, config: CONFIG, origin: ORIGIN });
  assert.deepEqual(session.user(), { name: "Ann Admin", email: "ann@agency.gov" });
  assert.ok(log.some(([name, value]) => name === "setActiveAccount" && value === "ann@agency.gov"));
  assert.equal(await session.getToken(), "redirect-token");
  assert.equal(await session.getToken(), "silent-token");
  const [, silent] = log.find(([name]) => name === "silent");
  assert.deepEqual(silent, { scopes: [CONFIG.scope], account: ACCOUNT, cacheLookupPolicy: 2 }); // never an iframe
  session.invalidate(); // the service refused the token: skip the cached access token
  await session.getToken();
  assert.equal(log.filter(([name]) => name === "silent").at(-1)[1].cacheLookupPolicy, 3);
});

test("entra: when MSAL needs the user, or the service sends a claims challenge, the page redirects", async () => {
  const { log, msal } = fakeMsal({
    accounts: [ACCOUNT],
    silent: async () => { throw Object.assign(new Error("no refresh token"), { errorCode: "no_tokens_found" }); },
  });
  const session = await createEntraSession({ msal, config: CONFIG, origin: ORIGIN });
  session.getToken(); // never settles: the page is leaving
  await settle();
  assert.deepEqual(log.at(-1), ["redirect", { scopes: [CONFIG.scope], redirectUri: `${ORIGIN}/admin`, account: ACCOUNT }]);
  session.challenge('{"access_token":{"nbf":{"essential":true}}}');
  await settle();
  assert.equal(log.at(-1)[1].claims, '{"access_token":{"nbf":{"essential":true}}}');
});

test("entra: any other silent failure is said, not looped on", async () => {
  const { log, msal } = fakeMsal({ accounts: [ACCOUNT], silent: async () => { throw Object.assign(new Error("offline"), { errorCode: "no_network_connectivity" }); } });
  const session = await createEntraSession({ msal, config: CONFIG, origin: ORIGIN });
  await assert.rejects(session.getToken(), (err) => err.error === "sign_in_failed" && err.message.includes("no_network_connectivity"));
  assert.ok(!log.some(([name]) => name === "redirect"));
  await session.signOut();
  assert.deepEqual(log.at(-1), ["logout", { account: ACCOUNT, postLogoutRedirectUri: `${ORIGIN}/admin` }]);
  assert.equal(session.user(), null);
});
