// The Outlook host against office-addin-mock (Outlook mode: no load/sync, callbacks with AsyncResult):
// read vs compose detection, the calls and coercions it uses, attachments through getAttachmentContentAsync,
// the reply form, undo by body snapshot, and every failed AsyncResult a plain HostError.
import assert from "node:assert/strict";
import { test } from "node:test";

import { OfficeMockObject } from "office-addin-mock";

import { HostError } from "../../addin/hosts/host.js";
import { OutlookHost, isCompose } from "../../addin/hosts/outlook.js";

const ok = (value) => ({ status: "succeeded", value });
const failed = (message) => ({ status: "failed", error: { name: "InternalServerError", message, code: 9020 } });

function outlookMock({ compose = true, sets = { Mailbox: "1.8" }, selected = { data: "old words", sourceProperty: "body" },
  bodyText = "Hello,\nold words here.", bodyHtml = "<p>Hello,</p><p>old words here.</p>", bodyType = "html",
  attachments = [], contents = {}, fail = {}, language = "en-US" } = {}) {
  const log = [];
  const state = { bodyText, bodyHtml, selected };
  const answer = (name, callback, value) => callback(fail[name] ? failed(fail[name]) : ok(value));
  const body = {
    getAsync(coercion, callback) {
      log.push(["body.getAsync", coercion]);
      answer("getAsync", callback, coercion === "html" ? state.bodyHtml : state.bodyText);
    },
    setAsync(data, options, callback) {
      log.push(["body.setAsync", data, options.coercionType]);
      if (!fail.setAsync) {
        if (options.coercionType === "html") state.bodyHtml = data;
        else state.bodyText = data;
      }
      answer("setAsync", callback);
    },
    setSelectedDataAsync(data, options, callback) {
      log.push(["body.setSelectedDataAsync", data, options.coercionType]);
      if (!fail.setSelectedDataAsync) state.bodyHtml += `<!--inserted ${data.length}-->`;
      answer("setSelectedDataAsync", callback);
    },
  };
  if (compose) {
    body.getTypeAsync = (callback) => {
      log.push(["body.getTypeAsync"]);
      answer("getTypeAsync", callback, bodyType);
    };
  }
  const item = { itemType: "message", body };
  if (compose) {
    item.getSelectedDataAsync = (coercion, callback) => {
      log.push(["getSelectedDataAsync", coercion]);
      answer("getSelectedDataAsync", callback, state.selected);
    };
    item.setSelectedDataAsync = (data, options, callback) => {
      log.push(["item.setSelectedDataAsync", data, options.coercionType]);
      answer("setSelectedDataAsync", callback);
    };
  } else {
    item.attachments = attachments;
    item.getAttachmentContentAsync = (id, callback) => {
      log.push(["getAttachmentContentAsync", id]);
      const content = contents[id];
      callback(content instanceof Error ? failed(content.message) : ok(content));
    };
    item.displayReplyForm = (form) => {
      log.push(["displayReplyForm", form]);
      if (fail.displayReplyForm) throw new Error(fail.displayReplyForm);
    };
  }
  const Office = new OfficeMockObject({
    host: "outlook",
    CoercionType: { Text: "text", Html: "html" },
    EventType: { ItemChanged: "olkItemSelectedChanged" },
    context: {
      displayLanguage: language,
      requirements: { isSetSupported: (set, version) => set in sets && Number(sets[set]) >= Number(version ?? 0) },
      mailbox: {
        item,
        addHandlerAsync(event, handler, callback) {
          log.push(["addHandlerAsync", event]);
          state.handler = handler;
          callback(ok());
        },
      },
    },
  });
  return { Office, log, state, host: new OutlookHost({ Office, maxAttachmentBytes: 1000 }) };
}

const ops = (log) => log.map((entry) => entry[0]);

// ---- kind ----

test("compose and read are told apart by body.getTypeAsync", () => {
  assert.equal(outlookMock({ compose: true }).host.kind, "outlook-compose");
  assert.equal(outlookMock({ compose: false }).host.kind, "outlook-read");
  assert.equal(isCompose(undefined), false);
});

test("with no item the host says to open a message", async () => {
  const { Office, host } = outlookMock();
  Office.context.mailbox.item = null;
  await assert.rejects(host.readAll(), (error) => error instanceof HostError && error.message === "Open or select a message first.");
});

// ---- compose: reading ----

test("readSelection uses getSelectedDataAsync with Text coercion", async () => {
  const { host, log } = outlookMock();
  assert.deepEqual(await host.readSelection(), { text: "old words", scope: "selection" });
  assert.deepEqual(log, [["getSelectedDataAsync", "text"]]);
});

test("getSelectionOrBody falls back to the body text when nothing is selected", async () => {
  const { host, log } = outlookMock({ selected: { data: "", sourceProperty: "body" } });
  assert.deepEqual(await host.getSelectionOrBody(), { text: "Hello,\nold words here.", scope: "body" });
  assert.deepEqual(ops(log), ["getSelectedDataAsync", "body.getAsync"]);
});

test("a failed AsyncResult becomes a HostError with Office's message only", async () => {
  const { host } = outlookMock({ fail: { getSelectedDataAsync: "The item is being saved." } });
  await assert.rejects(host.readSelection(), (error) => {
    assert.ok(error instanceof HostError);
    assert.equal(error.message, "The item is being saved.");
    assert.equal(error.code, undefined);
    return true;
  });
});

test("readSelection without Mailbox 1.2 throws the capability's reason", async () => {
  const { host, log } = outlookMock({ sets: { Mailbox: "1.1" } });
  await assert.rejects(host.readSelection(), /Mailbox 1\.2/);
  assert.deepEqual(log, []);
});

test("readForSummary in compose sends the draft's text", async () => {
  const { host } = outlookMock();
  assert.deepEqual(await host.readForSummary(), { text: "Hello,\nold words here.", skipped: [] });
});

// ---- compose: writing and undo ----

test("applyResult re-reads the selection, then replaces it with setSelectedDataAsync (Text), undoable", async () => {
  const { host, log, state } = outlookMock();
  await host.readSelection();
  log.length = 0;
  await host.applyResult("new words");
  assert.deepEqual(log, [
    ["body.getTypeAsync"], ["body.getAsync", "html"],
    ["getSelectedDataAsync", "text"], ["body.setSelectedDataAsync", "new words", "text"],
    ["body.getAsync", "html"],
  ]);
  assert.ok(host.canUndo());
  log.length = 0;
  await host.undoLastApply();
  assert.deepEqual(log, [["body.getAsync", "html"], ["body.setAsync", "<p>Hello,</p><p>old words here.</p>", "html"]]);
  assert.equal(state.bodyHtml, "<p>Hello,</p><p>old words here.</p>");
  assert.equal(host.canUndo(), false);
});

test("applyResult refuses when the selection is no longer what was read", async () => {
  const { host, log, state } = outlookMock();
  await host.readSelection();
  state.selected = { data: "something else", sourceProperty: "body" };
  await assert.rejects(host.applyResult("new words"), /changed since/);
  assert.ok(!ops(log).includes("body.setSelectedDataAsync"));
});

test("a selection in the subject is replaced through item.setSelectedDataAsync", async () => {
  const { host, log } = outlookMock({ selected: { data: "Subject words", sourceProperty: "subject" } });
  await host.readSelection();
  await host.applyResult("Better subject");
  assert.deepEqual(log.find((e) => e[0] === "item.setSelectedDataAsync"), ["item.setSelectedDataAsync", "Better subject", "text"]);
});

test("undo refuses when the body changed after the edit", async () => {
  const { host, log, state } = outlookMock();
  await host.insertAtCursor("Drafted");
  state.bodyHtml += "<p>typed later</p>";
  await assert.rejects(host.undoLastApply(), /changed since/);
  assert.ok(!ops(log).includes("body.setAsync"));
});

test("a failed insert is a plain error and leaves nothing to undo", async () => {
  const { host } = outlookMock({ fail: { setSelectedDataAsync: "Body is read-only." } });
  await assert.rejects(host.insertAtCursor("x"), (error) => error instanceof HostError && error.message === "Body is read-only.");
  assert.equal(host.canUndo(), false);
  await assert.rejects(host.undoLastApply(), /nothing to undo/);
});

test("without Mailbox 1.3 edits still work but keep no undo", async () => {
  const { host, log } = outlookMock({ sets: { Mailbox: "1.2" } });
  await host.insertAtCursor("x");
  assert.deepEqual(ops(log), ["body.setSelectedDataAsync"]);
  assert.equal(host.canUndo(), false);
});

test("insertRendered puts HTML at the cursor with Html coercion", async () => {
  const { host, log } = outlookMock();
  await host.insertRendered({ html: "<p><b>Hi</b></p>", text: "Hi" });
  assert.deepEqual(log.find((e) => e[0] === "body.setSelectedDataAsync"), ["body.setSelectedDataAsync", "<p><b>Hi</b></p>", "html"]);
});

test("insertRendered into a plain-text draft inserts the text, or refuses without one", async () => {
  const { host, log } = outlookMock({ bodyType: "text" });
  await host.insertRendered({ html: "<p><b>Hi</b></p>", text: "Hi" });
  assert.deepEqual(log.find((e) => e[0] === "body.setSelectedDataAsync"), ["body.setSelectedDataAsync", "Hi", "text"]);
  await assert.rejects(host.insertRendered({ html: "<p>x</p>" }), /plain text/);
});

test("Word-only applies and inserts are refused with a reason", async () => {
  const { host } = outlookMock();
  await assert.rejects(host.applyResult("x", { as: "tracked" }), /only in Word/);
  await assert.rejects(host.applyResult("x", { as: "comment" }), /only in Word/);
  await assert.rejects(host.applyResult("x", { as: "below" }), /only insert at the cursor/);
  await assert.rejects(host.insertText("x", "end"), /only insert at the cursor/);
  await assert.rejects(host.insertRendered({ docx_base64: "UEs=" }), /only in Word/);
  await assert.rejects(host.selectParagraph("p1"), /only in Word/);
  await assert.rejects(host.openReply("<p>x</p>"), /reading/);
});

// ---- read mode ----

test("readForSummary in read mode sends the HTML body and the docx, xlsx and pdf attachments", async () => {
  const attachments = [
    { id: "A1", name: "Report.docx", attachmentType: "file", size: 10, isInline: false },
    { id: "A2", name: "logo.png", attachmentType: "file", size: 10, isInline: true },
    { id: "A3", name: "photo.jpg", attachmentType: "file", size: 10, isInline: false },
    { id: "A4", name: "Budget.xlsx", attachmentType: "file", size: 5000, isInline: false },
    { id: "A5", name: "Link.pdf", attachmentType: "cloud", size: 10, isInline: false },
    { id: "A6", name: "Minutes.pdf", attachmentType: "file", size: 10, isInline: false },
    { id: "A7", name: "Broken.pdf", attachmentType: "file", size: 10, isInline: false },
    { id: "A8", name: "Odd.docx", attachmentType: "file", size: 10, isInline: false },
  ];
  const contents = {
    A1: { format: "base64", content: "UEsDBA==" },
    A6: { format: "base64", content: "JVBERi0=" },
    A7: new Error("Attachment is unavailable."),
    A8: { format: "url", content: "https://example.invalid/x" },
  };
  const html = "<p>Bonjour, voici le rapport é.</p>";
  const { host, log } = outlookMock({ compose: false, attachments, contents, bodyHtml: html });
  const material = await host.readForSummary();
  assert.deepEqual(material.document, { filename: "message.html", content_base64: Buffer.from(html, "utf8").toString("base64") });
  assert.deepEqual(material.attachments, [
    { filename: "Report.docx", content_base64: "UEsDBA==" },
    { filename: "Minutes.pdf", content_base64: "JVBERi0=" },
  ]);
  assert.deepEqual(material.skipped, [
    { name: "photo.jpg", reason: "Only Word, Excel and PDF files are read." },
    { name: "Budget.xlsx", reason: "Larger than 1 KB." },
    { name: "Link.pdf", reason: "Only files attached to the message are read, not links or items." },
    { name: "Broken.pdf", reason: "Attachment is unavailable." },
    { name: "Odd.docx", reason: "Outlook did not hand over this file's content." },
  ]);
  assert.deepEqual(log.filter((e) => e[0] === "getAttachmentContentAsync").map((e) => e[1]), ["A1", "A6", "A7", "A8"]);
  assert.deepEqual(log[0], ["body.getAsync", "html"]);
});

test("without Mailbox 1.8 the attachments are listed as skipped with the reason, not read", async () => {
  const attachments = [{ id: "A1", name: "Report.docx", attachmentType: "file", size: 10, isInline: false }];
  const { host, log } = outlookMock({ compose: false, sets: { Mailbox: "1.5" }, attachments, language: "fr-CA" });
  const material = await host.readForSummary();
  assert.equal(material.attachments, undefined);
  assert.deepEqual(material.skipped, [{ name: "Report.docx",
    reason: "La lecture des pièces jointes nécessite Outlook 2021, Microsoft 365 ou Outlook sur le web (Mailbox 1.8)." }]);
  assert.ok(!ops(log).includes("getAttachmentContentAsync"));
});

test("at most ten attachments are read", async () => {
  const attachments = Array.from({ length: 12 }, (_, n) => ({ id: `A${n}`, name: `f${n}.pdf`, attachmentType: "file", size: 1 }));
  const contents = Object.fromEntries(attachments.map((a) => [a.id, { format: "base64", content: "JVBERi0=" }]));
  const { host } = outlookMock({ compose: false, attachments, contents });
  const material = await host.readForSummary();
  assert.equal(material.attachments.length, 10);
  assert.deepEqual(material.skipped.map((s) => s.name), ["f10.pdf", "f11.pdf"]);
});

test("attachments that would take the request past what it can carry are skipped, smaller later ones still read", async () => {
  const attachments = [
    { id: "A1", name: "a.pdf", attachmentType: "file", size: 600, isInline: false },
    { id: "A2", name: "b.pdf", attachmentType: "file", size: 600, isInline: false },
    { id: "A3", name: "c.pdf", attachmentType: "file", size: 300, isInline: false },
  ];
  const content = { format: "base64", content: "A".repeat(800) };  // 600 bytes once decoded
  const contents = { A1: content, A2: content, A3: { format: "base64", content: "A".repeat(400) } };
  const { Office } = outlookMock({ compose: false, attachments, contents, bodyHtml: "<p>Hi</p>" });
  const host = new OutlookHost({ Office, maxAttachmentBytes: 1000, maxTotalBytes: 1024 });
  const material = await host.readForSummary();
  assert.deepEqual(material.attachments.map((a) => a.filename), ["a.pdf", "c.pdf"]);
  assert.deepEqual(material.skipped, [
    { name: "b.pdf", reason: "With the message and the files before it, over the 1 KB one request can carry." }]);
});

test("openReply opens the reply form with htmlBody", async () => {
  const { host, log } = outlookMock({ compose: false });
  await host.openReply("<p>Thanks</p>");
  assert.deepEqual(log, [["displayReplyForm", { htmlBody: "<p>Thanks</p>" }]]);
});

test("openReply refuses a body over 32 KB and turns a thrown Office error into a HostError", async () => {
  const { host, log } = outlookMock({ compose: false, fail: { displayReplyForm: "Item is not available." } });
  await assert.rejects(host.openReply("x".repeat(33 * 1024)), /too long/);
  assert.deepEqual(log, []);
  await assert.rejects(host.openReply("<p>x</p>"), (error) => error instanceof HostError && error.message === "Item is not available.");
});

test("read mode cannot be edited: apply and insert say so", async () => {
  const { host } = outlookMock({ compose: false });
  await assert.rejects(host.applyResult("x"), /cannot be edited/);
  await assert.rejects(host.insertAtCursor("x"), /cannot be edited/);
  assert.equal(await host.getSelection(), "");
  await assert.rejects(host.readSelection(), /does not share the selection/);
});

test("onContextChanged registers ItemChanged and forgets what was read from the last message", async () => {
  const { host, log, state } = outlookMock({ compose: false });
  await host.readAll();
  let called = 0;
  await host.onContextChanged(() => { called++; });
  assert.deepEqual(log.at(-1), ["addHandlerAsync", "olkItemSelectedChanged"]);
  state.handler();
  assert.equal(called, 1);
  assert.equal(host.target, null);
});

test("onContextChanged does nothing without Mailbox 1.5", async () => {
  const { host, log } = outlookMock({ compose: false, sets: { Mailbox: "1.4" } });
  await host.onContextChanged(() => {});
  assert.deepEqual(log, []);
});
