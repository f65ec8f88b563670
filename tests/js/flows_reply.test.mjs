// flows.js splitReply: a message being written, split into the new text and the thread quoted below it, as
// Outlook on Windows, on the web and on Mac quote it, in English and French.
import assert from "node:assert/strict";
import { test } from "node:test";

import { splitReply } from "../../addin/flows.js";

const NEW = "Hi Jordan,\n\nOne year works.\n\nAda";

test("Outlook's rule line and From/Sent header start the thread", () => {
  const thread = "________________________________\nFrom: Jordan Lee\nSent: 10 March 2025 09:12\nSubject: Budget\n\nCan you confirm?";
  assert.deepEqual(splitReply(`${NEW}\n\n${thread}`), { draft: NEW, thread });
});

test("a From/Sent header without the rule line, in English and in French", () => {
  for (const thread of ["From: Jordan Lee <jordan@agency.gov>\nSent: Monday, March 10, 2025 9:12 AM\nTo: Ada",
    "De : Jordan Lee\nEnvoyé : lundi 10 mars 2025 09:12\nÀ : Ada", "From: Jordan\nDate: 10 March 2025"]) {
    assert.deepEqual(splitReply(`${NEW}\n\n${thread}`), { draft: NEW, thread }, thread);
  }
});

test("Original Message banners, 'On ... wrote:' lines and > quoting", () => {
  for (const thread of ["-----Original Message-----\nFrom: Jordan", "----- Message d'origine -----\nDe : Jordan",
    "On Mon, 10 Mar 2025 at 09:12, Jordan Lee <jordan@agency.gov> wrote:\n> Can you confirm?",
    "Le lun. 10 mars 2025 à 09:12, Jordan Lee a écrit :\n> Pouvez-vous confirmer ?", "> Can you confirm?"]) {
    assert.deepEqual(splitReply(`${NEW}\n\n${thread}`), { draft: NEW, thread }, thread);
  }
});

test("the earliest marker wins; a message with none is all new text", () => {
  const thread = "> quoted first\n\nFrom: Jordan\nSent: today";
  assert.deepEqual(splitReply(`${NEW}\n${thread}`), { draft: NEW, thread });
  assert.deepEqual(splitReply(NEW), { draft: NEW, thread: "" });
  assert.deepEqual(splitReply("I spoke with him. From: the minister's office, as you know."), {
    draft: "I spoke with him. From: the minister's office, as you know.", thread: "" });
  assert.deepEqual(splitReply(undefined), { draft: "", thread: "" });
});
