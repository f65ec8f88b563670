// hosts/messages.js: what a host says when it cannot do something, in English and French, and the hosts saying
// it in Office's display language (the pane shows a HostError's message as it is).
import assert from "node:assert/strict";
import { test } from "node:test";

import { OfficeMockObject } from "office-addin-mock";

import { HOST_MESSAGES, hostMessage } from "../../addin/hosts/messages.js";
import { OutlookHost } from "../../addin/hosts/outlook.js";
import { WordHost } from "../../addin/hosts/word.js";

test("every message has English and French with the same placeholders", () => {
  const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const [key, { en, fr }] of Object.entries(HOST_MESSAGES)) {
    assert.ok(en?.trim() && fr?.trim(), key);
    assert.notEqual(en, fr, key);
    assert.deepEqual(placeholders(fr), placeholders(en), key);
  }
});

test("hostMessage picks French for fr*, English otherwise, and fills placeholders", () => {
  assert.equal(hostMessage("fr-CA", "paragraphGone", { n: 4 }), "Le paragraphe 4 n’est plus dans le document.");
  assert.equal(hostMessage("en-GB", "paragraphGone", { n: 4 }), "Paragraph 4 is no longer in the document.");
  assert.equal(hostMessage(undefined, "nothingToUndo"), "There is nothing to undo.");
});

function office(language, extra = {}) {
  return { context: { displayLanguage: language, requirements: { isSetSupported: () => true }, ...extra } };
}

test("Word says a changed document and an empty undo in Office's language", async () => {
  const Word = new OfficeMockObject({
    context: { document: { body: { text: "Now different" }, getSelection() { return this.body; } }, trackedObjects: { add() {}, remove() {} } },
    async run(previous, batch) { return (batch ?? previous)(this.context); },
  });
  const host = new WordHost({ Word, Office: office("fr-FR") });
  host.target = { scope: "body", text: "What was read" };
  await assert.rejects(host.applyResult("x"), { name: "HostError", message: "Le document a changé depuis que Drafter l’a lu. Sélectionnez de nouveau le texte et relancez." });
  await assert.rejects(host.undoLastApply(), { message: "Il n’y a rien à annuler." });
  await assert.rejects(new WordHost({ Word, Office: office("en-US") }).undoLastApply(), { message: "There is nothing to undo." });
});

test("Outlook says what it left out of a summary, and that no message is open, in French", async () => {
  const item = {
    attachments: [{ id: "1", name: "photo.png", attachmentType: "file", size: 10 },
      { id: "2", name: "big.pdf", attachmentType: "file", size: 11 * 1024 * 1024 }],
    body: { getAsync(coercion, callback) { callback({ status: "succeeded", value: "<p>Hi</p>" }); } },
  };
  const host = new OutlookHost({ Office: office("fr-FR", { mailbox: { item } }) });
  const material = await host.readForSummary();
  assert.deepEqual(material.skipped, [
    { name: "photo.png", reason: "Seuls les fichiers Word, Excel et PDF sont lus." },
    { name: "big.pdf", reason: "Plus de 10 Mo." },
  ]);
  const empty = new OutlookHost({ Office: office("fr-FR", { mailbox: {} }) });
  await assert.rejects(empty.openReply("<p>x</p>"), { message: "Ouvrez ou sélectionnez d’abord un message." });
});
