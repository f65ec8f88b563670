// The Word host against office-addin-mock: which Word.js calls it makes, in which order, with load before sync
// and sync before reading (the mock answers "Error, property was not loaded" / "...sync() was not called"
// otherwise), tracking restored after a tracked edit even when it fails, the file closed after getFileAsync
// even on error, slices joined into the right base64, and every failure a plain HostError.
import assert from "node:assert/strict";
import { test } from "node:test";

import { OfficeMockObject } from "office-addin-mock";

import { HostError } from "../../addin/hosts/host.js";
import { WordHost } from "../../addin/hosts/word.js";

const NOT_LOADED = /^Error, /;

/**
 * A Word mock with a log of the calls made. `sets`: requirement sets present. `failSyncAfter`: the Office
 * operation name whose next sync rejects (how Word reports a failed queued operation).
 */
function wordMock({ selection = "Old words", body = "First paragraph\rSecond paragraph", inserted = "New words",
  ooxml = "<pkg:package>old</pkg:package>", mode = "Off", failSyncAfter = null, sets = ALL_SETS,
  paragraphCount = 3, file = null, url = "https://contoso.sharepoint.com/sites/x/Shared%20Documents/Brief%20note.docx" } = {}) {
  const log = [];
  const pendingResults = [];
  let failNextSync = null;
  let mock;
  const note = (entry) => {
    log.push(entry);
    if (entry[0] === failSyncAfter) failNextSync = entry[0];
  };
  const plainObject = (label) => ({
    label,
    delete() { note(["delete", label]); },
    insertParagraph(text, location) {
      note(["insertParagraph", label, text, location]);
      return plainObject(`paragraph:${text}`);
    },
  });
  const rangeMethods = (label) => ({
    delete() { note(["delete", label]); },
    insertText(text, location) {
      note(["insertText", label, text, location, mock.context.document.changeTrackingMode]);
      return mock.context.document.inserted;
    },
    insertFileFromBase64(base64, location) {
      note(["insertFileFromBase64", label, base64, location]);
      return mock.context.document.inserted;
    },
    insertHtml(html, location) {
      note(["insertHtml", label, html, location]);
      return mock.context.document.inserted;
    },
    insertOoxml(xml, location) {
      note(["insertOoxml", label, xml, location]);
      return mock.context.document.restored;
    },
    insertParagraph(text, location) {
      note(["insertParagraph", label, text, location]);
      return plainObject(`paragraph:${text}`);
    },
    insertComment(text) {
      note(["insertComment", label, text]);
      return plainObject("comment");
    },
    getOoxml() {
      note(["getOoxml", label]);
      const result = { value: undefined };
      pendingResults.push(() => { result.value = ooxml; });
      return result;
    },
    getRange(location) {
      note(["getRange", label, location]);
      return mock.context.document.selection;
    },
  });
  const paragraphs = Array.from({ length: paragraphCount }, (_, n) => ({
    select() { note(["select", `p${n + 1}`]); },
  }));
  mock = new OfficeMockObject({
    context: {
      document: {
        changeTrackingMode: mode,
        selection: { text: selection, ...rangeMethods("selection") },
        inserted: { text: inserted, ...rangeMethods("inserted") },
        restored: { text: selection, ...rangeMethods("restored") },
        body: { text: body, paragraphs: { items: paragraphs }, ...rangeMethods("body") },
        getSelection() {
          note(["getSelection"]);
          return this.selection;
        },
      },
      trackedObjects: {
        add(objects) { note(["track", [objects].flat().length]); },
        remove(objects) { note(["untrack", [objects].flat().length]); },
      },
    },
    async run(previous, batch) {
      note(["run", batch ? "resumed" : "new"]);
      return (batch ?? previous)(this.context);
    },
  });
  const realSync = mock.context.sync.bind(mock.context);
  mock.context.sync = async () => {
    log.push(["sync"]);
    if (failNextSync) {
      const failed = failNextSync;
      failNextSync = null;
      const error = new Error(`GeneralException: ${failed} failed`);
      error.code = "GeneralException";
      error.debugInfo = { errorLocation: failed };
      throw error;
    }
    for (const settle of pendingResults.splice(0)) settle();
    return realSync();
  };
  const office = officeMock({ sets, url, file, log });
  return { Word: mock, Office: office, log, host: new WordHost({ Word: mock, Office: office, sliceBytes: 4 }) };
}

const ALL_SETS = { WordApi: "1.4", CompressedFile: "1.1" };

/** Office's common API has no load/sync: mocked in office-addin-mock's Outlook mode, which skips those rules. */
function officeMock({ sets, url, file, log }) {
  return new OfficeMockObject({
    host: "outlook",
    FileType: { Compressed: "compressed" },
    context: {
      displayLanguage: "en-US",
      requirements: {
        isSetSupported(set, version) {
          return set in sets && Number(sets[set]) >= Number(version ?? 0);
        },
      },
      document: {
        url,
        getFileAsync(type, options, callback) {
          log.push(["getFileAsync", type, options.sliceSize]);
          if (!file) return callback({ status: "failed", error: { message: "The file could not be read.", code: 5001 } });
          callback({ status: "succeeded", value: file });
        },
      },
    },
  });
}

/** An Office.File whose slices are `chunks` (arrays of byte values); `failSlice` fails that index. */
function officeFile(chunks, { failSlice = -1, size, log } = {}) {
  return {
    size: size ?? chunks.reduce((n, c) => n + c.length, 0),
    sliceCount: chunks.length,
    closed: 0,
    getSliceAsync(index, callback) {
      log?.push(["getSliceAsync", index]);
      if (index === failSlice) return callback({ status: "failed", error: { message: "Slice unavailable." } });
      callback({ status: "succeeded", value: { index, data: chunks[index], size: chunks[index].length } });
    },
    closeAsync(callback) {
      this.closed++;
      log?.push(["closeAsync"]);
      callback({ status: "succeeded" });
    },
  };
}

const ops = (log) => log.map((entry) => entry[0]);

// ---- reading ----

test("readSelection loads text, syncs, tracks the range and returns normalized text", async () => {
  const { host, log } = wordMock({ selection: "Line one\rLine two\r" });
  assert.deepEqual(await host.readSelection(), { text: "Line one\nLine two", scope: "selection" });
  assert.deepEqual(ops(log), ["run", "getSelection", "track", "sync"]);
});

test("getSelectionOrBody falls back to the body when the selection is blank", async () => {
  const { host, log } = wordMock({ selection: "  " });
  assert.deepEqual(await host.getSelectionOrBody(), { text: "First paragraph\nSecond paragraph", scope: "body" });
  assert.deepEqual(ops(log), ["run", "getSelection", "sync", "sync"]);
  assert.equal(host.target.scope, "body");
});

test("getSelectionOrBody keeps a non-blank selection as the target", async () => {
  const { host } = wordMock();
  assert.deepEqual(await host.getSelectionOrBody(), { text: "Old words", scope: "selection" });
  assert.equal(host.target.scope, "selection");
});

test("readAll reads the body text after a sync", async () => {
  const { host } = wordMock();
  assert.deepEqual(await host.readAll(), { text: "First paragraph\nSecond paragraph", scope: "body" });
});

// ---- summarize: the whole file ----

test("readForSummary sends the .docx joined from its slices, and closes the file", async () => {
  const log = [];
  const bytes = [...Buffer.from("PK\x03\x04 a small docx body \xff\xfe")];
  const chunks = [bytes.slice(0, 4), bytes.slice(4, 8), bytes.slice(8)];
  const file = officeFile(chunks, { log });
  const { host, log: wordLog } = wordMock({ file });
  const material = await host.readForSummary();
  assert.deepEqual(material, {
    document: { filename: "Brief note.docx", content_base64: Buffer.from(bytes).toString("base64") },
    skipped: [],
  });
  assert.deepEqual(log, [["getSliceAsync", 0], ["getSliceAsync", 1], ["getSliceAsync", 2], ["closeAsync"]]);
  assert.deepEqual(wordLog.filter((e) => e[0] === "getFileAsync"), [["getFileAsync", "compressed", 4]]);
});

test("a failed slice still closes the file, and the body text is summarized instead", async () => {
  const file = officeFile([[1, 2], [3, 4]], { failSlice: 1 });
  const { host } = wordMock({ file });
  const material = await host.readForSummary();
  assert.equal(file.closed, 1);
  assert.equal(material.text, "First paragraph\nSecond paragraph");
  assert.match(material.notice, /Slice unavailable\./);
});

test("a file larger than the limit is not read slice by slice, and is closed", async () => {
  const file = officeFile([[1]], { size: 50 * 1024 * 1024 });
  const { host, log } = wordMock({ file });
  const material = await host.readForSummary();
  assert.equal(file.closed, 1);
  assert.ok(!log.some((e) => e[0] === "getSliceAsync"));
  assert.match(material.notice, /50\.0 MB, over the 10\.0 MB/);  // the service's 10 MB file cap
});

test("slices shorter than the file's size are refused rather than sent truncated", async () => {
  const file = officeFile([[1, 2]], { size: 3 });
  const { host } = wordMock({ file });
  const material = await host.readForSummary();
  assert.equal(file.closed, 1);
  assert.match(material.notice, /sent 2 of 3 bytes/);
});

test("getFileAsync failing falls back to the text; without CompressedFile it is not even tried", async () => {
  const failing = wordMock({ file: null });
  assert.match((await failing.host.readForSummary()).notice, /The file could not be read\./);
  const old = wordMock({ sets: { WordApi: "1.4" }, file: officeFile([[1]]) });
  const material = await old.host.readForSummary();
  assert.equal(material.text, "First paragraph\nSecond paragraph");
  assert.ok(!old.log.some((e) => e[0] === "getFileAsync"));
  assert.match(material.notice, /cannot hand over the whole file/);
});

test("the text fallback keeps one line per Word paragraph, empty ones and in-paragraph line breaks as they are", async () => {
  // The service numbers a text's paragraphs by line (blank lines counted): "p4" must be body.paragraphs.items[3].
  const { host } = wordMock({ sets: { WordApi: "1.4" }, body: "Title\r\rFirst line\vstill the first\rSecond\r" });
  const material = await host.readForSummary();
  assert.equal(material.text, "Title\n\nFirst line\vstill the first\nSecond");
  assert.equal(material.text.split("\n")[2], "First line\vstill the first");
});

for (const [url, expected] of [
  ["", "document.docx"],
  ["C:\\Users\\me\\Notes.DOCX", "Notes.DOCX"],
  ["https://x/doc.docx?web=1", "doc.docx"],
  ["https://x/bad%E0.docx", "bad%E0.docx"],
  ["https://x/page.aspx", "document.docx"],
]) {
  test(`the file name comes from the document's url (${url || "none"})`, async () => {
    const { host } = wordMock({ url, file: officeFile([[1]]) });
    assert.equal((await host.readForSummary()).document.filename, expected);
  });
}

// ---- apply ----

test("Replace writes over the range read, keeping its OOXML for undo", async () => {
  const { host, log } = wordMock();
  await host.readSelection();
  log.length = 0;
  await host.applyResult("New words", { as: "replace" });
  // then the range first read is no longer needed: it is untracked in a batch of its own
  assert.deepEqual(ops(log), ["run", "sync", "getOoxml", "sync", "insertText", "track", "sync", "run", "untrack", "sync"]);
  assert.deepEqual(log[0], ["run", "resumed"]);
  const insert = log.find((e) => e[0] === "insertText");
  assert.deepEqual(insert.slice(0, 4), ["insertText", "selection", "New words", "Replace"]);
  assert.match(insert[4], NOT_LOADED);  // a plain Replace never touches change tracking
  assert.equal(host.last.ooxml, "<pkg:package>old</pkg:package>");
  assert.equal(host.last.applied, "New words");
  assert.ok(host.canUndo());
});

test("Replace refuses when the text read has changed since", async () => {
  const { host, Word, log } = wordMock();
  await host.readSelection();
  Word.context.document.selection.text = "Someone edited this";
  await assert.rejects(host.applyResult("New words"), (error) => error instanceof HostError && /changed since/.test(error.message));
  assert.ok(!log.some((e) => e[0] === "insertText"));
});

test("with nothing read, Replace goes to the current selection", async () => {
  const { host, log } = wordMock();
  await host.replaceSelection("New words");
  assert.deepEqual(log.find((e) => e[0] === "insertText").slice(1, 4), ["selection", "New words", "Replace"]);
});

test("a body target is replaced through the body", async () => {
  const { host, log } = wordMock({ selection: "" });
  await host.getSelectionOrBody();
  await host.applyResult("New words");
  assert.deepEqual(log.find((e) => e[0] === "insertText").slice(1, 4), ["body", "New words", "Replace"]);
});

test("Replace as tracked change switches tracking on for the edit and restores the user's mode", async () => {
  const { host, Word, log } = wordMock({ mode: "Off" });
  await host.applyResult("New words", { as: "tracked" });
  assert.deepEqual(log.find((e) => e[0] === "insertText"), ["insertText", "selection", "New words", "Replace", "TrackAll"]);
  assert.equal(Word.context.document.changeTrackingMode, "Off");
  const syncs = ops(log).filter((op) => op === "sync").length;
  assert.equal(syncs, 3);  // load the mode; the edit; the restore
  assert.ok(!host.canUndo());
  await assert.rejects(host.undoLastApply(), /reject it in Word/);
});

test("a failed tracked edit still restores the user's tracking mode and surfaces a plain error", async () => {
  const { host, Word, log } = wordMock({ mode: "TrackMineOnly", failSyncAfter: "insertText" });
  await assert.rejects(host.applyResult("New words", { as: "tracked" }), (error) => {
    assert.ok(error instanceof HostError);
    assert.equal(error.message, "GeneralException: insertText failed");
    assert.equal(error.debugInfo, undefined);
    return true;
  });
  assert.equal(Word.context.document.changeTrackingMode, "TrackMineOnly");
  assert.deepEqual(ops(log).slice(-2), ["sync", "sync"]);
  assert.equal(host.last, null);
});

test("when tracking is already on, the mode is left alone", async () => {
  const { host, Word, log } = wordMock({ mode: "TrackAll" });
  await host.applyResult("New words", { as: "tracked" });
  assert.equal(Word.context.document.changeTrackingMode, "TrackAll");
  assert.equal(ops(log).filter((op) => op === "sync").length, 2);
});

test("Insert below adds one paragraph per non-blank line, chained after the target", async () => {
  const { host, log } = wordMock();
  await host.applyResult("One\n\nTwo\r\nThree", { as: "below" });
  assert.deepEqual(log.filter((e) => e[0] === "insertParagraph"), [
    ["insertParagraph", "selection", "One", "After"],
    ["insertParagraph", "paragraph:One", "Two", "After"],
    ["insertParagraph", "paragraph:Two", "Three", "After"],
  ]);
  log.length = 0;
  await host.undoLastApply();
  assert.deepEqual(log.filter((e) => e[0] === "delete").map((e) => e[1]), ["paragraph:One", "paragraph:Two", "paragraph:Three"]);
  assert.equal(host.canUndo(), false);
});

test("Insert below on a body target appends at the end", async () => {
  const { host, log } = wordMock({ selection: "" });
  await host.getSelectionOrBody();
  await host.applyResult("Tail", { as: "below" });
  assert.deepEqual(log.find((e) => e[0] === "insertParagraph"), ["insertParagraph", "body", "Tail", "End"]);
});

test("Add as comment comments on the target; undo deletes the comment", async () => {
  const { host, log } = wordMock();
  await host.readSelection();
  await host.applyResult("Consider a shorter sentence.", { as: "comment" });
  assert.deepEqual(log.find((e) => e[0] === "insertComment"), ["insertComment", "selection", "Consider a shorter sentence."]);
  await host.undoLastApply();
  assert.deepEqual(log.filter((e) => e[0] === "delete"), [["delete", "comment"]]);
});

for (const [as, sets, reason] of [
  ["tracked", { WordApi: "1.3" }, "Tracked changes need Word 2021 or Microsoft 365 (WordApi 1.4)."],
  ["comment", { WordApi: "1.3" }, "Comments need Word 2021 or Microsoft 365 (WordApi 1.4)."],
  ["replace", {}, "Replacing text needs a newer Office (WordApi 1.1 or Mailbox 1.2)."],
]) {
  test(`${as} without its requirement set throws the capability's reason before touching Word`, async () => {
    const { host, log } = wordMock({ sets });
    assert.equal(host.capabilities()[{ tracked: "trackedChanges", comment: "comments", replace: "replace" }[as]].reason, reason);
    await assert.rejects(host.applyResult("x", { as }), (error) => error instanceof HostError && error.message === reason);
    assert.deepEqual(log, []);
  });
}

test("an unknown apply mode is refused", async () => {
  const { host } = wordMock();
  await assert.rejects(host.applyResult("x", { as: "sideways" }), /Unknown way to apply/);
  await assert.rejects(host.insertText("x", "middle"), /Unknown place to insert/);
});

// ---- undo ----

test("undo of a Replace puts the original OOXML back in a later batch, resumed on the tracked range", async () => {
  const { host, log } = wordMock();
  await host.readSelection();
  await host.applyResult("New words");
  log.length = 0;
  await host.undoLastApply();
  assert.deepEqual(log[0], ["run", "resumed"]);
  assert.deepEqual(log.find((e) => e[0] === "insertOoxml"), ["insertOoxml", "inserted", "<pkg:package>old</pkg:package>", "Replace"]);
  assert.equal(host.canUndo(), false);
  assert.equal(host.target.text, "Old words");
  await assert.rejects(host.undoLastApply(), /nothing to undo/);
});

test("undo refuses when the inserted text was edited since", async () => {
  const { host, Word, log } = wordMock();
  await host.applyResult("New words");
  Word.context.document.inserted.text = "New words, edited by hand";
  await assert.rejects(host.undoLastApply(), /changed since/);
  assert.ok(!log.some((e) => e[0] === "insertOoxml"));
  assert.ok(host.canUndo());
});

// ---- insert ----

test("insertText at the cursor goes after the selection; at the end, into the body", async () => {
  const { host, log } = wordMock();
  await host.insertAtCursor("Drafted text");
  assert.deepEqual(log.find((e) => e[0] === "insertText").slice(1, 4), ["selection", "Drafted text", "After"]);
  log.length = 0;
  await host.insertText("Closing", "end");
  assert.deepEqual(log.find((e) => e[0] === "insertText").slice(1, 4), ["body", "Closing", "End"]);
  await host.undoLastApply();
  assert.deepEqual(log.find((e) => e[0] === "delete"), ["delete", "inserted"]);
});

test("insertRendered inserts a .docx with insertFileFromBase64, html with insertHtml, text with insertText", async () => {
  const { host, log } = wordMock();
  await host.insertRendered({ docx_base64: "UEsDBA==", html: "<p>x</p>" });
  await host.insertRendered({ html: "<h1>Title</h1>" }, "end");
  await host.insertRendered({ text: "plain" });
  assert.deepEqual(log.filter((e) => /^insert/.test(e[0])).map((e) => e.slice(0, 4)), [
    ["insertFileFromBase64", "selection", "UEsDBA==", "After"],
    ["insertHtml", "body", "<h1>Title</h1>", "End"],
    ["insertText", "selection", "plain", "After"],
  ]);
  await assert.rejects(host.insertRendered({}), /nothing to insert/);
});

test("insertRendered in replace mode writes over the target and can be undone", async () => {
  const { host, log } = wordMock();
  await host.readSelection();
  await host.insertRendered({ docx_base64: "UEsDBA==" }, "replace");
  assert.deepEqual(log.find((e) => e[0] === "insertFileFromBase64").slice(1), ["selection", "UEsDBA==", "Replace"]);
  assert.ok(host.canUndo());
});

// ---- citations ----

test("selectParagraph loads the body's paragraphs, syncs, then selects paragraph n", async () => {
  const { host, log } = wordMock();
  await host.selectParagraph("p2");
  assert.deepEqual(ops(log), ["run", "sync", "select", "sync"]);
  assert.deepEqual(log.find((e) => e[0] === "select"), ["select", "p2"]);
});

for (const [id, message] of [
  ["p9", "Paragraph 9 is no longer in the document."],
  ["a1.p3", "That source is in an attachment, not in this document."],
  ["p0", "Unknown source: p0"],
  ["x", "Unknown source: x"],
]) {
  test(`selectParagraph(${id}) throws a plain error`, async () => {
    const { host } = wordMock();
    await assert.rejects(host.selectParagraph(id), (error) => error instanceof HostError && error.message === message);
  });
}

// ---- capabilities and the rest of the contract ----

test("capabilities follow isSetSupported; Outlook-only features say why they are off", () => {
  const full = wordMock().host.capabilities();
  assert.equal(full.trackedChanges.available, true);
  assert.equal(full.comments.available, true);
  assert.equal(full.fileAsDocx.available, true);
  assert.equal(full.attachments.available, false);
  assert.match(full.replyForm.reason, /reading/);
  const old = wordMock({ sets: { WordApi: "1.3" } }).host.capabilities();
  assert.equal(old.trackedChanges.available, false);
  assert.equal(old.replace.available, true);
});

test("openReply is refused in Word with the capability's reason", async () => {
  const { host } = wordMock();
  await assert.rejects(host.openReply("<p>x</p>"), /Replies open only from a message you are reading\./);
});

test("a load without sync would be caught: the mock answers an error string before sync", async () => {
  // Guards the guard: if the adapter read range.text before context.sync(), it would see this string.
  const { Word } = wordMock();
  const range = Word.context.document.getSelection();
  range.load("text");
  assert.match(range.text, NOT_LOADED);
  await Word.context.sync();
  assert.equal(range.text, "Old words");
});
