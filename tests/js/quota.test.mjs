// quota.js and the rate-limit wording: /me's quota as plain lines (nothing without it), the tenant's line only
// when it is the tighter budget, requests per minute only when nearly gone; Retry-After in seconds, minutes or
// hours; a 429 said in the pane's language with the service's own words after it.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { STRINGS, createI18n } from "../../addin/i18n.js";
import { SERVICE_ERRORS, errorMessage } from "../../addin/pane.js";
import { fetchQuota, quotaLines, timeOf } from "../../addin/quota.js";
import { retryText } from "../../addin/ui.js";
import { startServer } from "./helpers.mjs";

const en = createI18n("en").t;
const fr = createI18n("fr").t;
const RESETS = "2030-01-02T00:00:00Z";

let server = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

test("today's tokens: what is left of the limit, and when it renews", () => {
  const quota = { requests_per_minute: { limit: 30, remaining: 29 },
    tokens_today: { limit: 200000, used: 187600, remaining: 12400, resets_at: RESETS }, tenant_tokens_today: null };
  const time = timeOf(new Date(RESETS), "en");
  assert.deepEqual(quotaLines(quota, en, "en"), [`Today: 12,400 of 200,000 tokens left (renewed at ${time}).`]);
  const french = quotaLines(quota, fr, "fr");
  assert.equal(french.length, 1);
  assert.match(french[0], /^Aujourd’hui : 12\s400 jetons restants sur 200\s000 \(renouvelés à \d\d:\d\d\)\.$/);
});

test("no quota, a null quota, or nothing configured: nothing shown", () => {
  for (const quota of [undefined, null, {}, { requests_per_minute: null, tokens_today: null, tenant_tokens_today: null },
    { tokens_today: { limit: "lots", remaining: 3 } }, { tokens_today: { limit: 10 } }]) {
    assert.deepEqual(quotaLines(quota, en, "en"), [], JSON.stringify(quota));
  }
});

test("the organisation's budget is shown only when it is tighter than the user's", () => {
  const user = { limit: 200000, used: 0, remaining: 200000, resets_at: "not a date" };
  assert.deepEqual(quotaLines({ tokens_today: user, tenant_tokens_today: { limit: 5000000, used: 0, remaining: 4000000 } }, en),
    ["Today: 200,000 of 200,000 tokens left."]);
  assert.deepEqual(quotaLines({ tokens_today: user, tenant_tokens_today: { limit: 5000000, used: 4950000, remaining: 50000 } }, en),
    ["Today: 200,000 of 200,000 tokens left.", "Your organisation: 50,000 of 5,000,000 tokens left today."]);
  assert.deepEqual(quotaLines({ tenant_tokens_today: { limit: 10, used: 10, remaining: 0 } }, en),
    ["Your organisation has used all 10 of today's tokens."]);
});

test("used up: said so, with when more comes", () => {
  const time = timeOf(new Date(RESETS), "en");
  assert.deepEqual(quotaLines({ tokens_today: { limit: 1000, used: 1200, remaining: 0, resets_at: RESETS } }, en),
    [`You have used all 1,000 of today's tokens; more at ${time}.`]);
});

test("requests per minute appear only when nearly used up", () => {
  assert.deepEqual(quotaLines({ requests_per_minute: { limit: 30, remaining: 7 } }, en), []);
  assert.deepEqual(quotaLines({ requests_per_minute: { limit: 30, remaining: 6 } }, en), ["This minute: 6 of 30 requests left."]);
  assert.deepEqual(quotaLines({ requests_per_minute: { limit: 3, remaining: 1 } }, en), ["This minute: 1 of 3 requests left."]);
  assert.deepEqual(quotaLines({ requests_per_minute: { limit: 3, remaining: 2 } }, en), []);
});

test("fetchQuota: the quota of /me; null without the key; undefined when /me fails", async () => {
  let answer = { status: 200, body: { name: "Ada", quota: { tokens_today: null } } };
  server = await startServer((req, res) => {
    assert.equal(req.url, "/api/v1/me");
    res.writeHead(answer.status, { "Content-Type": "application/json" }).end(JSON.stringify(answer.body));
  });
  assert.deepEqual(await fetchQuota(), { tokens_today: null });
  answer = { status: 200, body: { name: "Ada", roles: [] } };  // a service without quotas yet
  assert.equal(await fetchQuota(), null);
  answer = { status: 429, body: { error: "rate_limited", message: "Slow down.", request_id: "r-12345678" } };
  assert.equal(await fetchQuota(), undefined);
});

test("Retry-After in plain words: seconds, minutes, hours", () => {
  assert.equal(retryText(1, en), "Try again in a second.");
  assert.equal(retryText(12.2, en), "Try again in 13 seconds.");
  assert.equal(retryText(90, en), "Try again in 90 seconds.");
  assert.equal(retryText(91, en), "Try again in 2 minutes.");
  assert.equal(retryText(5400, en), "Try again in 90 minutes.");
  assert.equal(retryText(36000, en), "Try again in 10 hours.");
  assert.equal(retryText(600, fr), "Réessayez dans 10 minutes.");
  assert.equal(retryText(0, en), "");
  assert.equal(retryText("soon", en), "");
});

test("a 429 rate_limited is said in the pane's language, then in the service's words", () => {
  const err = { error: "rate_limited", message: "You have used today's 200,000 tokens.", status: 429 };
  assert.equal(errorMessage(err, en, "dev"),
    "You have reached a usage limit set by your organisation. You have used today's 200,000 tokens.");
  assert.equal(errorMessage({ error: "rate_limited", message: "" }, fr, "dev"),
    "Vous avez atteint une limite d’utilisation fixée par votre organisation.");
  assert.equal(errorMessage({ error: "blocked_by_policy", message: "The text is marked SECRET." }, en, "dev", "en"),
    "The text is marked SECRET.");  // an English pane: the service's reason, as it sent it
  // a French pane: the French sentence for the code, then the service's reason (it names the marking)
  assert.equal(errorMessage({ error: "blocked_by_policy", message: "The text is marked SECRET." }, fr, "dev", "fr"),
    "La politique de votre organisation interdit d’envoyer ce texte. The text is marked SECRET.");
  assert.equal(errorMessage({ error: "http_error", status: 502, message: "The service answered with status 502." }, fr, "dev", "fr"),
    "Le service a répondu avec le statut 502.");
  assert.equal(errorMessage({ error: "something_new", message: "A new kind of failure." }, fr, "dev", "fr"),
    "A new kind of failure.");
});

test("every service error code the pane names has its sentence in English and French", () => {
  for (const code of SERVICE_ERRORS) {
    assert.ok(STRINGS.en[`error.service.${code}`], code);
    assert.ok(STRINGS.fr[`error.service.${code}`], code);
  }
});
