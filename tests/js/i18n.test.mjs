// i18n.js: French for any French display language, the same keys and placeholders in both languages.
import assert from "node:assert/strict";
import { test } from "node:test";

import { STRINGS, createI18n, pickLanguage } from "../../addin/i18n.js";

test("pickLanguage: fr* is French, everything else English", () => {
  const table = [
    ["fr", "fr"], ["fr-FR", "fr"], ["fr-CA", "fr"], ["FR-be", "fr"], ["fr_CH", "fr"], [" fr-FR ", "fr"],
    ["en-US", "en"], ["en", "en"], ["de-DE", "en"], ["fry", "en"], ["", "en"], [undefined, "en"], [null, "en"],
  ];
  for (const [tag, expected] of table) assert.equal(pickLanguage(tag), expected, String(tag));
});

test("English and French have the same keys and the same placeholders", () => {
  const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  assert.deepEqual(Object.keys(STRINGS.fr).sort(), Object.keys(STRINGS.en).sort());
  for (const [key, english] of Object.entries(STRINGS.en)) {
    assert.ok(STRINGS.fr[key].trim(), key);
    assert.deepEqual(placeholders(STRINGS.fr[key]), placeholders(english), key);
  }
});

test("t fills placeholders, keeps unknown ones, and shows an unknown key as itself", () => {
  const fr = createI18n("fr");
  assert.equal(fr.language, "fr");
  assert.equal(fr.t("signIn.as", { name: "Zoë", email: "zoe@example.gouv" }), "Connecté en tant que Zoë (zoe@example.gouv)");
  assert.equal(fr.t("signIn.as", { name: "Zoë" }), "Connecté en tant que Zoë ({email})");
  assert.equal(fr.t("no.such.key"), "no.such.key");
  assert.equal(createI18n("en").t("status.done"), "Done.");
  assert.equal(createI18n("de").language, "en");
});
