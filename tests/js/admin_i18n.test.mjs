// The admin page's words (addin/admin/strings.js): every key in both languages, none empty, the same
// placeholders and plural forms in both, French typography; the language from the browser or the switch;
// numbers and days through Intl; errors and range problems said in the page's language.
import assert from "node:assert/strict";
import { test } from "node:test";

import { describeError } from "../../addin/admin/errors.js";
import { chooseLanguage, createI18n, localeFor, pickLanguage, rememberLanguage } from "../../addin/admin/i18n.js";
import { checkRange, describeRangeProblem } from "../../addin/admin/range.js";
import { STRINGS } from "../../addin/admin/strings.js";
import { ApiError } from "../../addin/api.js";

const NNBSP = "\u202f"; // Intl's French group separator, and before ; ? ! and units
const NBSP = "\u00a0";  // before a colon

function memoryStorage(initial = {}) {
  const data = new Map(Object.entries(initial));
  return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => data.set(k, String(v)), removeItem: (k) => data.delete(k) };
}

test("English and French have the same keys, none empty, with the same placeholders", () => {
  const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  assert.deepEqual(Object.keys(STRINGS).sort(), ["en", "fr"]);
  assert.deepEqual(Object.keys(STRINGS.fr).sort(), Object.keys(STRINGS.en).sort());
  assert.ok(Object.keys(STRINGS.en).length > 100);
  for (const [key, english] of Object.entries(STRINGS.en)) {
    const french = STRINGS.fr[key];
    assert.equal(typeof english, "string", key);
    assert.equal(typeof french, "string", key);
    assert.ok(english.trim(), `empty English ${key}`);
    assert.ok(french.trim(), `empty French ${key}`);
    assert.deepEqual(placeholders(french), placeholders(english), key);
  }
});

test("every plural has its .other form, in both languages", () => {
  for (const table of Object.values(STRINGS)) {
    for (const key of Object.keys(table).filter((k) => k.endsWith(".one"))) {
      assert.ok(`${key.slice(0, -4)}.other` in table, key);
    }
  }
});

test("French typography: a no-break space before a colon, a narrow one before ; ? !", () => {
  for (const [key, text] of Object.entries(STRINGS.fr)) {
    assert.doesNotMatch(text, /(^|[^\u00a0]):(?!\/\/)/, key);
    assert.doesNotMatch(text, /(^|[^\u202f])[;?!]/, key);
    assert.doesNotMatch(text, /'/, `${key}: the typographic apostrophe ’`);
  }
});

test("every data-i18n of the page names a string", async () => {
  const { readFile } = await import("node:fs/promises");
  const html = await readFile(new URL("../../addin/admin/admin.html", import.meta.url), "utf8");
  const keys = [...html.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(keys.length >= 20, keys.length);
  for (const key of keys) assert.ok(key in STRINGS.en, key);
});

test("the language: the first of the browser's languages the page has, French for any fr-*", () => {
  const table = [
    [["fr-FR"], "fr"], [["fr-CA", "en-CA"], "fr"], [["FR-be"], "fr"], [["fr"], "fr"], [["de-DE", "fr-CH", "en"], "fr"],
    [["en-GB", "fr-FR"], "en"], [["en"], "en"], [["de-DE"], "en"], [["fry"], "en"], [[], "en"], [undefined, "en"], [[null], "en"],
  ];
  for (const [languages, expected] of table) assert.equal(pickLanguage(languages), expected, String(languages));
});

test("the switch's choice is kept for the tab and wins over the browser's", () => {
  const storage = memoryStorage();
  assert.equal(chooseLanguage({ languages: ["en-US"], storage }), "en");
  rememberLanguage(storage, "fr");
  assert.equal(chooseLanguage({ languages: ["en-US"], storage }), "fr");
  rememberLanguage(storage, "en");
  assert.equal(chooseLanguage({ languages: ["fr-FR"], storage }), "en");
  assert.equal(chooseLanguage({ languages: ["fr-FR"], storage: memoryStorage({ "drafter.admin.language": "de" }) }), "fr");
  const broken = { getItem() { throw new Error("disabled"); }, setItem() { throw new Error("disabled"); } };
  assert.equal(chooseLanguage({ languages: ["fr-FR"], storage: broken }), "fr");
  rememberLanguage(broken, "en"); // says nothing, throws nothing
});

test("Intl formats in the browser's own variant of the language, else the bare language", () => {
  assert.equal(localeFor("fr", ["en-US", "fr-CA"]), "fr-CA");
  assert.equal(localeFor("en", ["en-GB", "fr-FR"]), "en-GB");
  assert.equal(localeFor("fr", ["en-US"]), "fr");
  assert.equal(localeFor("fr", ["fr-"]), "fr");
});

test("French numbers and days: 1 234 567 with narrow no-break spaces, 6 déc. 2026", () => {
  const fr = createI18n("fr", ["fr-FR"]);
  assert.equal(fr.number(1234567), `1${NNBSP}234${NNBSP}567`);
  assert.equal(fr.day("2026-12-06"), "6 déc. 2026");
  assert.equal(fr.dayShort("2026-03-03"), "3 mars");
  assert.equal(fr.range("2026-03-03", "2026-03-05"), "3–5 mars 2026");
  assert.equal(fr.t("unit.ms", { value: fr.number(1500) }), `1${NNBSP}500${NNBSP}ms`);
  const en = createI18n("en", ["en-US"]);
  assert.equal(en.number(1234567), "1,234,567");
  assert.equal(en.day("2026-12-06"), "Dec 6, 2026");
  assert.equal(createI18n("en", ["en-GB"]).day("2026-12-06"), "6 Dec 2026");
});

test("t fills placeholders, plural picks the form by the count, an unknown key shows as itself", () => {
  const fr = createI18n("fr");
  assert.equal(fr.language, "fr");
  assert.equal(fr.t("signIn.as", { name: "Zoë", email: "zoe@example.gouv" }), "Connecté en tant que Zoë (zoe@example.gouv)");
  assert.equal(fr.t("signIn.as", { name: "Zoë" }), "Connecté en tant que Zoë ({email})");
  assert.equal(fr.plural("users.some", 0), `0${NBSP}utilisateur, par nombre de jetons décroissant.`); // French: 0 is singular
  assert.equal(fr.plural("users.some", 1234), `1${NNBSP}234${NBSP}utilisateurs, par nombre de jetons décroissant.`);
  assert.equal(fr.plural("users.some", 1000000).startsWith(`1${NNBSP}000${NNBSP}000`), true); // "many" falls back to .other
  const en = createI18n("en");
  assert.equal(en.plural("users.some", 1), "1 user, most tokens first.");
  assert.equal(en.plural("users.some", 0), "0 users, most tokens first.");
  assert.equal(en.t("no.such.key"), "no.such.key");
  assert.equal(createI18n("de").language, "en");
});

test("a bad range is said in the page's language, with its days as the page writes them", () => {
  const en = createI18n("en", ["en-US"]);
  const fr = createI18n("fr", ["fr-FR"]);
  const order = checkRange("2026-03-06", "2026-03-05");
  assert.deepEqual(order, { field: "from", key: "range.order", values: { from: "2026-03-06", to: "2026-03-05" } });
  assert.equal(describeRangeProblem(order, en), "The first day (Mar 6, 2026) is after the last day (Mar 5, 2026).");
  assert.equal(describeRangeProblem(order, fr), "La date de début (6 mars 2026) est après la date de fin (5 mars 2026).");
  const long = checkRange("2025-01-01", "2026-03-05");
  assert.equal(describeRangeProblem(long, fr), `Choisissez au plus 366${NBSP}jours${NNBSP}; 1 janv. 2025\u2009–\u20095 mars 2026 compte 429${NBSP}jours.`);
  assert.equal(describeRangeProblem(checkRange("", "2026-03-05"), fr), `La date de début manque${NBSP}: choisissez une date.`);
  assert.equal(describeRangeProblem(checkRange("1999-12-31", "2000-01-02"), fr),
    "La date de début doit être comprise entre le 1 janv. 2000 et le 31 déc. 2099.");
});

test("errors: the page's own in its words; the service's led by the French sentence, its words kept", () => {
  const fr = createI18n("fr");
  const en = createI18n("en");
  const offline = new ApiError({ error: "network_error", message: "Could not reach the Drafter service. Check the connection and try again." });
  assert.deepEqual(describeError(offline, fr), { said: "Impossible de joindre le service Drafter. Vérifiez la connexion et réessayez.", service: "" });
  const down = new ApiError({ status: 503, error: "store_unavailable", message: "The audit and usage store cannot be reached." });
  assert.deepEqual(describeError(down, en), { said: "The audit and usage store cannot be reached.", service: "" });
  assert.deepEqual(describeError(down, fr), { said: "Le stockage des données d’utilisation est injoignable pour le moment.", service: "The audit and usage store cannot be reached." });
  assert.deepEqual(describeError(new ApiError({ status: 418, error: "http_error", message: "x" }), fr), { said: "Le service a répondu avec le statut 418.", service: "" });
  const renew = Object.assign(new ApiError({ status: 401, error: "sign_in_failed" }), { detail: "network_error" });
  assert.match(describeError(renew, fr).said, /^Drafter n’a pas pu renouveler votre connexion \(network_error\)/);
  assert.deepEqual(describeError(new Error("boom"), fr), { said: "Un problème est survenu.", service: "boom" });
  assert.deepEqual(describeError(null, en), { said: "Something went wrong.", service: "" });
});
