// The Word host: the contract of host.js on Word's JavaScript API (Word.run batches: queue, load, sync, read).
//
// Where results land: the range last read (tracked across Word.run batches with context.trackedObjects and
// resumed with Word.run(range, batch)), or the whole body when nothing was selected. Before writing over it,
// the host reads it again and refuses if the user changed it since.
//
// Undo (one level) without leaving anything in the document: the inserted range or paragraphs stay tracked;
// a Replace keeps the replaced range's OOXML (range.getOoxml, WordApi 1.1) and puts it back with insertOoxml,
// so formatting returns too; an insert is deleted; a comment is deleted (WordApi 1.4). Limits: undo is lost when
// the pane reloads; it refuses when the inserted text was edited since; a tracked replacement is not undone
// here (Word's own Reject does that properly, and faking it would leave two tracked changes behind).
//
// Provenance: stampProvenance / unstampProvenance keep the request ids of applied AI edits in the document's
// custom properties (WordApi 1.3; layout and limits in provenance.js), read and written in one batch.
import { checkCapabilities } from "../capabilities.js";
import { bytesToBase64 } from "./base64.js";
import { APPLY_AS, HostError, INSERT_MODES, asHostError, normalizeText, requireCapability } from "./host.js";
import { hostMessage } from "./messages.js";
import { officeAsync } from "./office_async.js";
import { isRequestId, plan, readIds, withId, withoutId } from "./provenance.js";

export const SLICE_BYTES = 4 * 1024 * 1024;      // the largest slice getFileAsync hands out
export const MAX_FILE_BYTES = 10 * 1024 * 1024;  // the service's file cap; its base64 fits its 16 MiB request limit


export class WordHost {
  #tracked;

  /**
   * @param {{Word?: any, Office?: any, maxFileBytes?: number, sliceBytes?: number}} [options]
   *   Word and Office default to the globals Office.js defines; tests pass mocks.
   */
  constructor({ Word = globalThis.Word, Office = globalThis.Office, maxFileBytes = MAX_FILE_BYTES,
    sliceBytes = SLICE_BYTES } = {}) {
    this.kind = "word";
    this.name = "word";
    this.application = "word";
    this.Word = Word;
    this.Office = Office;
    this.maxFileBytes = maxFileBytes;
    this.sliceBytes = sliceBytes;
    this.target = null;  // {scope: "selection", range, text} | {scope: "body", text}: where the next apply goes
    this.#tracked = new Set();  // objects added to context.trackedObjects and not yet removed
    this.last = null;    // the last apply: {kind: "replace", range, ooxml, applied} | {kind: "inserted", objects}
                         // | {kind: "comment", objects} | {kind: "tracked"}
  }

  capabilities() {
    const context = this.Office?.context;
    return checkCapabilities(this.kind, context?.requirements, context?.displayLanguage);
  }

  /** A HostError saying `key` (hosts/messages.js) in Office's display language. */
  #error(key, params) {
    return new HostError(hostMessage(this.Office?.context?.displayLanguage, key, params));
  }

  // ---- reading ----

  async readSelection() {
    requireCapability(this.capabilities(), "readSelection");
    return this.#run(async (context) => {
      const range = context.document.getSelection();
      range.load("text");
      context.trackedObjects.add(range);
      await context.sync();
      this.#tracked.add(range);
      const text = normalizeText(range.text);
      await this.#setTarget({ scope: "selection", range, text });
      return { text, scope: "selection" };
    });
  }

  async readAll() {
    requireCapability(this.capabilities(), "readBody");
    const text = await this.#run((context) => this.#bodyText(context));
    await this.#setTarget({ scope: "body", text });
    return { text, scope: "body" };
  }

  /** The selection when it holds non-blank text, else the whole body (one batch either way). */
  async getSelectionOrBody() {
    requireCapability(this.capabilities(), "readSelection");
    return this.#run(async (context) => {
      const range = context.document.getSelection();
      range.load("text");
      await context.sync();
      const selected = normalizeText(range.text);
      if (selected.trim() !== "") {
        context.trackedObjects.add(range);
        await context.sync();
        this.#tracked.add(range);
        await this.#setTarget({ scope: "selection", range, text: selected });
        return { text: selected, scope: "selection" };
      }
      const text = await this.#bodyText(context);
      await this.#setTarget({ scope: "body", text });
      return { text, scope: "body" };
    });
  }

  async getSelection() {
    return this.#run(async (context) => {
      const range = context.document.getSelection();
      range.load("text");
      await context.sync();
      return normalizeText(range.text);
    });
  }

  /**
   * The whole .docx when Word can hand it over (getFileAsync Compressed) and it is small enough; else the
   * body text, with a `notice` saying why. Does not change where the next apply goes.
   */
  async readForSummary() {
    let notice = "";
    const capabilities = this.capabilities();
    if (capabilities.fileAsDocx.available) {
      try {
        return { document: await this.#readFile(), skipped: [] };
      } catch (error) {
        notice = this.#error("wholeFileUnread", { reason: asHostError(error).message }).message;
      }
    } else {
      notice = capabilities.fileAsDocx.reason;
    }
    const text = await this.#run((context) => this.#bodyParagraphs(context));
    return { text, skipped: [], notice };
  }

  async #readFile() {
    const { Office } = this;
    const type = Office.FileType?.Compressed ?? "compressed";
    const file = await officeAsync((done) => Office.context.document.getFileAsync(type, { sliceSize: this.sliceBytes }, done));
    try {
      if (file.size > this.maxFileBytes) {
        throw this.#error("fileTooLarge", { size: megabytes(file.size), limit: megabytes(this.maxFileBytes) });
      }
      const slices = [];
      for (let index = 0; index < file.sliceCount; index++) {
        // One slice at a time, in order: Office hands them out sequentially.
        const slice = await officeAsync((done) => file.getSliceAsync(index, done));
        slices.push(slice.data);
      }
      const received = slices.reduce((total, data) => total + data.length, 0);
      if (received !== file.size) throw this.#error("fileShort", { received, size: file.size });
      return { filename: this.#filename(), content_base64: bytesToBase64(...slices) };
    } finally {
      // Always: Word keeps at most two files open for add-ins, and getFileAsync fails until one is closed.
      await officeAsync((done) => file.closeAsync(done)).catch(() => {});
    }
  }

  #filename() {
    const url = String(this.Office?.context?.document?.url ?? "");
    const last = url.split(/[?#]/)[0].split(/[\\/]/).pop() ?? "";
    let name = last;
    try {
      name = decodeURIComponent(last);
    } catch {
      // a stray % in a local path: keep it as it is
    }
    return /\.docx$/i.test(name) ? name : "document.docx";
  }

  // ---- writing ----

  /**
   * @param {string} text
   * @param {{as?: "replace" | "tracked" | "below" | "comment"}} [options]
   */
  async applyResult(text, { as = "replace" } = {}) {
    if (!APPLY_AS.includes(as)) throw new HostError(`Unknown way to apply a result: ${as}`);
    const capabilities = this.capabilities();
    const feature = { replace: "replace", tracked: "trackedChanges", below: "insertBelow", comment: "comments" }[as];
    requireCapability(capabilities, feature);
    const target = this.target;
    return this.#run(async (context) => {
      const range = await this.#checkedTarget(context, target);
      if (as === "replace") return this.#replace(context, range, text);
      if (as === "tracked") return this.#replaceTracked(context, range, text);
      if (as === "below") return this.#insertBelow(context, range, text);
      return this.#comment(context, range, text);
    }, target?.range);
  }

  async replaceSelection(text) {
    return this.applyResult(text, { as: "replace" });
  }

  /** Plain text at the cursor (after the selection), over the last range read, or at the end of the document. */
  async insertText(text, mode = "cursor") {
    if (!INSERT_MODES.includes(mode)) throw new HostError(`Unknown place to insert: ${mode}`);
    if (mode === "replace") return this.applyResult(text, { as: "replace" });
    requireCapability(this.capabilities(), "replace");
    return this.#run(async (context) => {
      const inserted = mode === "end"
        ? context.document.body.insertText(text, "End")
        : context.document.getSelection().insertText(text, "After");
      context.trackedObjects.add(inserted);
      await context.sync();
      this.#tracked.add(inserted);
      await this.#setLast({ kind: "inserted", objects: [inserted] });
    });
  }

  async insertAtCursor(text) {
    return this.insertText(text, "cursor");
  }

  /**
   * A rendered result: {docx_base64} through insertFileFromBase64 (headings, lists and tables take the
   * document's styles), else {html} through insertHtml, else {text}.
   */
  async insertRendered(rendered, mode = "cursor") {
    if (!INSERT_MODES.includes(mode)) throw new HostError(`Unknown place to insert: ${mode}`);
    const { docx_base64: docx, html, text } = rendered ?? {};
    const capabilities = this.capabilities();
    if (docx) requireCapability(capabilities, "insertDocx");
    else if (html) requireCapability(capabilities, "insertHtml");
    else if (typeof text === "string") return this.insertText(text, mode);
    else throw this.#error("nothingToInsert");
    const put = (range, location) => (docx ? range.insertFileFromBase64(docx, location) : range.insertHtml(html, location));
    if (mode === "replace") {
      const target = this.target;
      return this.#run(async (context) => {
        const range = await this.#checkedTarget(context, target);
        return this.#replaceWith(context, range, (where) => put(where, "Replace"));
      }, target?.range);
    }
    return this.#run(async (context) => {
      const inserted = mode === "end"
        ? put(context.document.body, "End")
        : put(context.document.getSelection(), "After");
      context.trackedObjects.add(inserted);
      await context.sync();
      this.#tracked.add(inserted);
      await this.#setLast({ kind: "inserted", objects: [inserted] });
    });
  }

  async #replace(context, range, text) {
    return this.#replaceWith(context, range, (where) => where.insertText(text, "Replace"));
  }

  /** Keep the range's OOXML for undo, write over it, and make the new content the next target. */
  async #replaceWith(context, range, write) {
    const original = range.getOoxml();
    await context.sync();
    const inserted = write(range);
    inserted.load("text");
    context.trackedObjects.add(inserted);
    await context.sync();
    this.#tracked.add(inserted);
    const applied = normalizeText(inserted.text);
    await this.#setLast({ kind: "replace", range: inserted, ooxml: original.value, applied });
    await this.#setTarget({ scope: "selection", range: inserted, text: applied });
  }

  /** Replace with change tracking on for this edit only; the user's mode comes back even when the edit fails. */
  async #replaceTracked(context, range, text) {
    const document = context.document;
    document.load("changeTrackingMode");
    await context.sync();
    const previous = document.changeTrackingMode;
    const switched = previous !== "TrackAll";
    if (switched) document.changeTrackingMode = "TrackAll";
    let inserted;
    try {
      inserted = range.insertText(text, "Replace");
      inserted.load("text");
      context.trackedObjects.add(inserted);
      await context.sync();
    } finally {
      if (switched) {
        document.changeTrackingMode = previous;
        await context.sync();
      }
    }
    this.#tracked.add(inserted);
    await this.#setLast({ kind: "tracked" });
    await this.#setTarget({ scope: "selection", range: inserted, text: normalizeText(inserted.text) });
  }

  /** Each non-blank line of `text` as its own paragraph after the target (Word spaces paragraphs itself). */
  async #insertBelow(context, range, text) {
    const lines = String(text).split(/\r\n?|\n/).filter((line) => line.trim() !== "");
    if (lines.length === 0) throw this.#error("nothingToInsert");
    const paragraphs = [];
    let anchor = range;
    for (const line of lines) {
      anchor = anchor.insertParagraph(line, anchor === context.document.body ? "End" : "After");
      paragraphs.push(anchor);
    }
    context.trackedObjects.add(paragraphs);
    await context.sync();
    for (const paragraph of paragraphs) this.#tracked.add(paragraph);
    await this.#setLast({ kind: "inserted", objects: paragraphs });
  }

  async #comment(context, range, text) {
    const on = range === context.document.body ? range.getRange("Whole") : range;
    const comment = on.insertComment(text);
    context.trackedObjects.add(comment);
    await context.sync();
    this.#tracked.add(comment);
    await this.#setLast({ kind: "comment", objects: [comment] });
  }

  /**
   * The target in this batch (the tracked range, the body, or the current selection when nothing was read),
   * after checking its text is still what was read.
   */
  async #checkedTarget(context, target) {
    if (!target) return context.document.getSelection();
    const range = target.scope === "body" ? context.document.body : target.range;
    range.load("text");
    await context.sync();
    if (normalizeText(range.text) !== target.text) throw this.#error("documentChanged");
    return range;
  }

  // ---- undo ----

  canUndo() {
    return Boolean(this.last) && this.last.kind !== "tracked";
  }

  async undoLastApply() {
    const last = this.last;
    if (!last) throw this.#error("nothingToUndo");
    if (last.kind === "tracked") throw this.#error("trackedUndo");
    requireCapability(this.capabilities(), "undo");
    if (last.kind === "replace") {
      await this.#run(async (context) => {
        const range = last.range;
        range.load("text");
        await context.sync();
        if (normalizeText(range.text) !== last.applied) throw this.#error("documentChanged");
        const restored = range.insertOoxml(last.ooxml, "Replace");
        restored.load("text");
        context.trackedObjects.add(restored);
        await context.sync();
        this.#tracked.add(restored);
        this.last = null;
        await this.#setTarget({ scope: "selection", range: restored, text: normalizeText(restored.text) });
        await this.#release([range]);
      }, last.range);
      return;
    }
    await this.#run(async (context) => {
      for (const object of last.objects) object.delete();
      await context.sync();
    }, last.objects);
    this.last = null;
    await this.#release(last.objects);
  }

  // ---- citations ----

  /** Select body paragraph n for the citation id "p<n>" (the numbering the service's extraction uses). */
  async selectParagraph(id) {
    requireCapability(this.capabilities(), "citations");
    const match = /^p([1-9]\d*)$/.exec(String(id));
    if (!match) {
      throw /^a\d+\./.test(String(id)) ? this.#error("sourceInAttachment") : this.#error("unknownSource", { id });
    }
    const index = Number(match[1]) - 1;
    return this.#run(async (context) => {
      const paragraphs = context.document.body.paragraphs;
      paragraphs.load("items");
      await context.sync();
      const paragraph = paragraphs.items[index];
      if (!paragraph) throw this.#error("paragraphGone", { n: index + 1 });
      paragraph.select();
      await context.sync();
    });
  }

  async openReply() {
    requireCapability(this.capabilities(), "replyForm");
  }

  // ---- provenance ----

  /** Record the request id of an AI edit just applied in the document's custom properties (hosts/provenance.js). */
  async stampProvenance(requestId) {
    const { ids, changed } = await this.#changeProvenance(requestId, withId);
    return { added: changed, ids };
  }

  /** Take a request id out of the document's custom properties again (its edit was undone). */
  async unstampProvenance(requestId) {
    const { ids, changed } = await this.#changeProvenance(requestId, withoutId);
    return { removed: changed, ids };
  }

  /** Read our properties, change the id list, write back only what differs: one batch, two syncs. */
  async #changeProvenance(requestId, change) {
    requireCapability(this.capabilities(), "provenance");
    if (!isRequestId(requestId)) throw new HostError(`Not a request id: ${requestId}`);
    return this.#run(async (context) => {
      const collection = context.document.properties.customProperties;
      collection.load("items");
      await context.sync();
      const items = collection.items;
      const properties = items.map(({ key, value }) => ({ key, value }));
      const result = change(readIds(properties), requestId);
      if (!result.changed) return result;
      const { write, remove } = plan(properties, result.ids);
      for (const { key, value } of write) collection.add(key, value);
      for (const key of remove) items.find((item) => item.key === key).delete();
      await context.sync();
      return result;
    });
  }

  /** A Word document does not change under the pane. */
  async onContextChanged() {}

  // ---- plumbing ----

  async #bodyText(context) {
    const body = context.document.body;
    body.load("text");
    await context.sync();
    return normalizeText(body.text);
  }

  /**
   * The body as the service numbers a text's paragraphs: one line per Word paragraph, empty ones kept, a line
   * break inside a paragraph (\v) left as it is, so "p<n>" of a summary is body.paragraphs.items[n - 1].
   */
  async #bodyParagraphs(context) {
    const body = context.document.body;
    body.load("text");
    await context.sync();
    return String(body.text ?? "").replace(/\r\n?/g, "\n").replace(/\n+$/, "");
  }

  /** Word.run, resuming the batch of tracked objects when given; any failure becomes a HostError. */
  async #run(batch, previous) {
    try {
      return previous ? await this.Word.run(previous, batch) : await this.Word.run(batch);
    } catch (error) {
      throw asHostError(error);
    }
  }

  async #setTarget(target) {
    const old = this.target;
    this.target = target;
    if (old?.range && old.range !== target.range) await this.#release([old.range]);
  }

  async #setLast(last) {
    const old = this.last;
    this.last = last;
    const objects = old ? [...(old.objects ?? []), ...(old.range ? [old.range] : [])] : [];
    await this.#release(objects);
  }

  /** Stop tracking objects nothing refers to any more (tracked objects slow Word down). Best effort. */
  async #release(objects) {
    const inUse = new Set([this.target?.range, this.last?.range, ...(this.last?.objects ?? [])]);
    const free = [...new Set(objects)].filter((object) => this.#tracked.has(object) && !inUse.has(object));
    if (free.length === 0) return;
    for (const object of free) this.#tracked.delete(object);
    try {
      await this.Word.run(free, async (context) => {
        context.trackedObjects.remove(free);
        await context.sync();
      });
    } catch {
      // The objects' batch is gone already (the document closed, the pane reloaded): nothing left to free.
    }
  }
}

function megabytes(bytes) {
  return (bytes / (1024 * 1024)).toFixed(1);
}
