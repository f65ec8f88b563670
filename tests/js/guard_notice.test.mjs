// guard_notice.js: result.guard (server/governance/guard.py) said in plain words, English and French; nothing
// when nothing was found or the guard is off.
import assert from "node:assert/strict";
import { test } from "node:test";

import { describeGuard } from "../../addin/guard_notice.js";
import { createI18n } from "../../addin/i18n.js";

const en = createI18n("en").t;
const fr = createI18n("fr").t;

test("redacted ids are counted and named, and said to be put back", () => {
  const guard = { enabled: true, actions: ["redact"], findings: [
    { type: "ssn", count: 1, action: "redact" }, { type: "iban", count: 1, action: "redact" }] };
  assert.deepEqual(describeGuard(guard, en), [
    "2 personal identifiers (US Social Security number, IBAN) were replaced by placeholders before sending, "
    + "and put back in the result."]);
  assert.deepEqual(describeGuard(guard, fr, "fr"), [
    "2 identifiants personnels (numéro de sécurité sociale américain, IBAN) ont été remplacés par des marqueurs "
    + "avant l’envoi, puis rétablis dans le résultat."]);
  const one = { enabled: true, findings: [{ type: "card", count: 1, action: "redact" }] };
  assert.deepEqual(describeGuard(one, en), [
    "1 personal identifier (payment card number) was replaced by a placeholder before sending, and put back in the result."]);
});

test("a routed job names the endpoint and the marking", () => {
  const guard = { enabled: true, actions: ["route"], endpoint: "sensitive",
    findings: [{ type: "cui", count: 1, action: "route" }] };
  assert.deepEqual(describeGuard(guard, en), [
    "This was sent to “sensitive” (the model approved for such material) because it is marked CUI."]);
  assert.deepEqual(describeGuard(guard, fr, "fr"), [
    "Ce texte a été envoyé à « sensitive » (le modèle approuvé pour ce type de contenu) parce qu’il porte la mention CUI."]);
  const unnamed = { enabled: true, findings: [{ type: "official_sensitive", count: 2, action: "route" },
    { type: "cui", count: 1, action: "route" }] };
  assert.deepEqual(describeGuard(unnamed, en), [
    "This was sent to the model approved for such material because it is marked OFFICIAL-SENSITIVE and CUI."]);
  const personal = { enabled: true, endpoint: "inhouse", findings: [{ type: "nino", count: 2, action: "route" }] };
  assert.deepEqual(describeGuard(personal, en), [
    "This was sent to “inhouse” (the model approved for such material) because it contains 2 UK National Insurance numbers."]);
});

test("contacts are reported as sent, with their counts", () => {
  const guard = { enabled: true, actions: ["warn"], findings: [
    { type: "email", count: 1, action: "warn" }, { type: "phone", count: 1, action: "warn" }] };
  assert.deepEqual(describeGuard(guard, en), [
    "Contains an email address and a phone number (sent as is; your organisation asks you to be aware)."]);
  assert.deepEqual(describeGuard(guard, fr, "fr"), [
    "Contient une adresse électronique et un numéro de téléphone (le texte a été envoyé tel quel ; "
    + "votre organisation vous demande d’y prêter attention)."]);
  const many = { enabled: true, findings: [{ type: "email", count: 3, action: "warn" },
    { type: "confidential", count: 1, action: "warn" }, { type: "phone", count: 2, action: "warn" }] };
  assert.deepEqual(describeGuard(many, en), [
    "Contains 3 email addresses, a CONFIDENTIAL marking, and 2 phone numbers (sent as is; your organisation asks you to be aware)."]);
});

test("several actions: route first, then redact, then warn", () => {
  const guard = { enabled: true, endpoint: "sensitive", actions: ["route", "redact", "warn"], findings: [
    { type: "email", count: 1, action: "warn" }, { type: "ssn", count: 2, action: "redact" },
    { type: "cui", count: 1, action: "route" }] };
  const sentences = describeGuard(guard, en);
  assert.equal(sentences.length, 3);
  assert.match(sentences[0], /^This was sent to “sensitive”/);
  assert.match(sentences[1], /^2 personal identifiers \(US Social Security number\)/);
  assert.match(sentences[2], /^Contains an email address/);
});

test("nothing to say: no findings, guard off, no guard, unknown types and actions", () => {
  for (const guard of [
    { enabled: true, findings: [], actions: [] },
    { enabled: false, findings: [{ type: "ssn", count: 1, action: "redact" }], actions: [] },
    undefined, null, "redact",
    { enabled: true, findings: [{ type: "passport", count: 1, action: "redact" }, { type: "ssn", count: 1, action: "none" }] },
    { enabled: true, findings: "ssn" },
  ]) {
    assert.deepEqual(describeGuard(guard, en), [], JSON.stringify(guard));
  }
});
