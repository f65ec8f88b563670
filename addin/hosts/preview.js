// The preview host: the host.js contract on stand-ins in a plain page, for trying Drafter without Office and for
// the browser tests. Three modes: "word" (a <textarea> is the document), "outlook-read" (a read-only message
// shown as text, with its thread) and "outlook-compose" (a <textarea> is the draft). It records everything the
// pane asked of it (inserted text, tracked changes, comments, reply forms) in `log`, which the page shows and
// exposes as window.__drafterHostLog for tests. Nothing here renders HTML: recorded HTML is shown as text.
import { checkCapabilities } from "../capabilities.js";
import { textToBase64 } from "./base64.js";
import { APPLY_AS, HostError, INSERT_MODES, normalizeText, requireCapability } from "./host.js";
import { hostMessage } from "./messages.js";
import { isRequestId, plan, readIds, withId, withoutId } from "./provenance.js";

export { HostError };

export const PREVIEW_MODES = Object.freeze(["word", "outlook-read", "outlook-compose"]);


const ALL_SETS = { isSetSupported: () => true };  // the preview has every requirement set...
// ...but not what only a real Office has.
const PREVIEW_ONLY = {
  en: {
    fileAsDocx: "The preview has no .docx file; the document's text is summarized instead.",
    attachments: "The preview message has no attachments.",
    pinning: "The preview has only one message.",
  },
  fr: {
    fileAsDocx: "L'aperçu n'a pas de fichier .docx ; le texte du document est résumé à la place.",
    attachments: "Le message d'aperçu n'a pas de pièces jointes.",
    pinning: "L'aperçu n'a qu'un seul message.",
  },
};

/**
 * Paragraphs as the service's text reader numbers them (server/documents/result.py): each line is a paragraph
 * and "p<n>" is line n, blank lines left out but counted, as Word's body.paragraphs counts empty paragraphs.
 * Each comes with its offsets in `text`, so it can be selected.
 * @returns {{id: string, start: number, end: number, text: string}[]}
 */
export function paragraphsOf(text) {
  const result = [];
  let line = 0;
  for (const match of String(text).matchAll(/[^\n]*(?:\n|$)/g)) {
    if (match[0] === "" && match.index === String(text).length && line > 0) break;  // the empty match at the end
    line += 1;
    const content = match[0].replace(/\n$/, "");
    if (content.trim() !== "") result.push({ id: `p${line}`, start: match.index, end: match.index + content.length, text: content });
  }
  return result;
}

/** Plain text of an HTML string, for showing recorded HTML without rendering it. */
export function htmlToText(html) {
  const doc = new DOMParser().parseFromString(String(html ?? ""), "text/html");
  return (doc.body?.textContent ?? "").trim();
}

export class PreviewHost {
  /**
   * @param {Object} options
   * @param {"word" | "outlook-read" | "outlook-compose"} [options.mode]
   * @param {HTMLTextAreaElement} [options.textarea]   the document (word) or the draft (outlook-compose)
   * @param {HTMLElement} [options.message]            the read-only message body (outlook-read): its value or text
   * @param {HTMLElement} [options.thread]             the earlier messages of its thread (<li>s), quoted below it
   * @param {string} [options.subject]                 the message's subject (outlook-read)
   * @param {(entry: object) => void} [options.onRecord]  told of each recorded request (the page's visible log)
   * @param {string} [options.language]                the pane's language, for capability reasons
   * A bare <textarea> is accepted too (the original constructor): Word mode on it.
   */
  constructor(options = {}) {
    if (typeof HTMLTextAreaElement !== "undefined" && options instanceof HTMLTextAreaElement) options = { textarea: options };
    const { mode = "word", textarea = null, message = null, thread = null, subject = "", onRecord = () => {},
      language = "en" } = options;
    if (!PREVIEW_MODES.includes(mode)) throw new HostError(`Unknown preview mode: ${mode}`);
    this.kind = mode;
    this.name = mode;
    this.application = "preview";  // what the audit trail records, whichever host it stands in for
    this.textarea = textarea;
    this.message = message;
    this.thread = thread;
    this.subject = subject;
    this.language = /^fr\b/i.test(language) ? "fr" : "en";
    this.onRecord = onRecord;
    this.log = [];        // what the pane asked for, in order: {op, ...}
    this.requests = this.log;  // the original name
    this.target = null;   // the range last read: {start, end, text}
    this.last = null;     // the last apply, as Word's host keeps it: {kind: "edit", before, after, start} (value
                          // snapshots), {kind: "comment", text}, or {kind: "tracked"} (Word rejects those itself)
    this.properties = new Map();  // the stand-in document's custom properties, as Word would hold them
  }

  capabilities() {
    const result = checkCapabilities(this.kind, ALL_SETS, this.language);
    for (const [feature, reason] of Object.entries(PREVIEW_ONLY[this.language])) {
      result[feature] = { available: false, reason: result[feature].available ? reason : result[feature].reason };
    }
    return result;
  }

  // ---- reading ----

  async readSelection() {
    requireCapability(this.capabilities(), "readSelection");
    const { value, selectionStart: start, selectionEnd: end } = this.textarea;
    this.target = { start, end, text: value.slice(start, end) };
    this.#record({ op: "readSelection" });
    return { text: this.target.text, scope: "selection" };
  }

  async readAll() {
    requireCapability(this.capabilities(), "readBody");
    if (this.kind === "outlook-read") {
      this.target = null;
      this.#record({ op: "readAll" });
      return { text: normalizeText(this.#messageText()), scope: "body" };
    }
    const { value } = this.textarea;
    this.target = { start: 0, end: value.length, text: value };
    this.#record({ op: "readAll" });
    return { text: value, scope: "body" };
  }

  /** The selection when it has non-blank text, else the whole body. */
  async getSelectionOrBody() {
    if (this.kind !== "outlook-read") {
      const { value, selectionStart: start, selectionEnd: end } = this.textarea;
      if (end > start && value.slice(start, end).trim() !== "") {
        this.target = { start, end, text: value.slice(start, end) };
        this.#record({ op: "getSelectionOrBody", scope: "selection" });
        return { text: this.target.text, scope: "selection" };
      }
    }
    const read = await this.readAll();
    this.log[this.log.length - 1].op = "getSelectionOrBody";
    this.log[this.log.length - 1].scope = "body";
    return read;
  }

  /** The selected text only ("" when nothing is selected, and always in a message being read). */
  async getSelection() {
    if (this.kind === "outlook-read") return "";
    const { value, selectionStart: start, selectionEnd: end } = this.textarea;
    return value.slice(start, end);
  }

  /** Word: the body as text. Outlook read: the body as an HTML document. Compose: the draft as text. */
  async readForSummary() {
    if (this.kind === "outlook-read") {
      const html = messageDocument(this.subject, this.#messageText());
      this.#record({ op: "readForSummary", as: "document" });
      return { document: { filename: "message.html", content_base64: textToBase64(html) }, attachments: [], skipped: [] };
    }
    const { text } = await this.readAll();
    this.log[this.log.length - 1].op = "readForSummary";
    return { text, skipped: [] };
  }

  // ---- writing ----

  /** @param {string} text @param {"cursor" | "replace" | "end"} [mode] */
  async insertText(text, mode = "cursor") {
    const selection = this.#insert(text, mode);
    this.#record({ op: "insertText", mode, text, selection });
  }

  /**
   * A rendered result is recorded as given (a .docx as its base64, as Word's insertFileFromBase64 would get it;
   * HTML as its markup) and shown as text: the HTML's text, or the `text` that comes with a .docx.
   */
  async insertRendered(rendered, mode = "cursor") {
    const docx = typeof rendered?.docx_base64 === "string" && rendered.docx_base64 ? rendered.docx_base64 : null;
    requireCapability(this.capabilities(), docx ? "insertDocx" : "insertHtml");
    const html = typeof rendered?.html === "string" ? rendered.html : null;
    if (html === null && typeof rendered?.text !== "string") throw this.#error("nothingToInsert");
    const text = html !== null && !docx ? htmlToText(html) : String(rendered.text);
    this.#insert(text, mode);
    this.#record(docx ? { op: "insertRendered", mode, docx_base64: docx, text } : { op: "insertRendered", mode, html, text });
  }

  /** Put text at the cursor, over the target, or at the end; returns the selection it was asked at. */
  #insert(text, mode) {
    requireCapability(this.capabilities(), mode === "replace" ? "replace" : "insertHtml");
    if (!INSERT_MODES.includes(mode)) throw new HostError(`Unknown insert mode: ${mode}`);
    const { value, selectionStart, selectionEnd } = this.textarea;
    if (mode === "replace") {
      const { start, end } = this.#checkedTarget();
      this.#write(text, start, end);
    } else {
      const at = mode === "end" ? value.length : selectionEnd;
      // Keep the inserted text a paragraph of its own, as Word and Outlook do with an inserted paragraph.
      const before = at > 0 && !value.slice(0, at).endsWith("\n") ? "\n\n" : "";
      const after = at < value.length && !value.slice(at).startsWith("\n") ? "\n\n" : "";
      this.#write(before + text + after, at, at);
    }
    this.target = mode === "replace" ? { start: this.last.start, end: this.last.start + text.length, text } : null;
    return [selectionStart, selectionEnd];
  }

  /**
   * Put `text` back where the last read came from: replace, tracked (recorded as a tracked change), below (a new
   * paragraph after it) or comment (recorded, the document unchanged).
   */
  async applyResult(text, { as = "replace" } = {}) {
    if (!APPLY_AS.includes(as)) throw new HostError(`Unknown way to apply: ${as}`);
    const feature = { replace: "replace", tracked: "trackedChanges", below: "insertBelow", comment: "comments" }[as];
    requireCapability(this.capabilities(), feature);
    const { start, end, text: original } = this.#checkedTarget();
    if (as === "comment") {
      this.last = { kind: "comment", text };
      this.#record({ op: "comment", on: original, text });
      return;
    }
    if (as === "below") {
      this.#write(`\n\n${text}`, end, end);
      this.target = { start: end + 2, end: end + 2 + text.length, text };
      this.#record({ op: "insertBelow", after: original, text });
      return;
    }
    this.#write(text, start, end);
    this.target = { start, end: start + text.length, text };
    if (as === "tracked") this.last = { kind: "tracked" };  // as in Word: the user accepts or rejects it there
    this.#record(as === "tracked" ? { op: "trackedChange", deleted: original, inserted: text } : { op: "replace", text });
  }

  /** The original call: applyResult(text) as a replacement. */
  async replaceSelection(text) {
    await this.applyResult(text, { as: "replace" });
    this.log[this.log.length - 1].op = "replaceSelection";
  }

  /** The original call: insertText(text, "cursor"). */
  async insertAtCursor(text) {
    await this.insertText(text, "cursor");
    this.log[this.log.length - 1].op = "insertAtCursor";
  }

  canUndo() {
    return this.last !== null && this.last.kind !== "tracked" && this.capabilities().undo.available;
  }

  /** Takes the last comment away, or puts the text back as it was before the last apply if nothing changed it. */
  async undoLastApply() {
    requireCapability(this.capabilities(), "undo");
    if (!this.last) throw this.#error("nothingToUndo");
    if (this.last.kind === "tracked") throw this.#error("trackedUndo");
    if (this.last.kind === "comment") {
      this.#record({ op: "undo", comment: this.last.text });
      this.last = null;
      return;
    }
    if (this.textarea.value !== this.last.after) throw this.#error("documentChanged");
    this.textarea.value = this.last.before;
    this.textarea.dispatchEvent(new Event("input", { bubbles: true }));
    this.last = null;
    this.target = null;
    this.#record({ op: "undo" });
  }

  /** Selects paragraph "p<n>" of the document and moves focus there (a citation chip). */
  async selectParagraph(id) {
    requireCapability(this.capabilities(), "citations");
    const match = /^p([1-9]\d*)$/.exec(String(id));
    if (!match) throw this.#error("previewNoParagraph", { id });
    const paragraph = paragraphsOf(this.textarea.value).find((candidate) => candidate.id === `p${match[1]}`);
    if (!paragraph) throw this.#error("previewParagraphGone", { n: match[1] });
    this.textarea.focus();
    this.textarea.setSelectionRange(paragraph.start, paragraph.end);
    this.#record({ op: "selectParagraph", id });
  }

  /** Outlook read: records the reply form (the page shows it as text). */
  async openReply(html) {
    requireCapability(this.capabilities(), "replyForm");
    this.#record({ op: "openReply", html: String(html ?? ""), text: htmlToText(html) });
  }

  /** Word mode: records the request id in the stand-in's custom properties, laid out as Word would get them. */
  async stampProvenance(requestId) {
    const { ids, changed } = this.#changeProvenance(requestId, withId, "stampProvenance");
    return { added: changed, ids };
  }

  async unstampProvenance(requestId) {
    const { ids, changed } = this.#changeProvenance(requestId, withoutId, "unstampProvenance");
    return { removed: changed, ids };
  }

  #changeProvenance(requestId, change, op) {
    requireCapability(this.capabilities(), "provenance");
    if (!isRequestId(requestId)) throw new HostError(`Not a request id: ${requestId}`);
    const current = [...this.properties].map(([key, value]) => ({ key, value }));
    const result = change(readIds(current), requestId);
    const { write, remove } = plan(current, result.ids);
    for (const { key, value } of write) this.properties.set(key, value);
    for (const key of remove) this.properties.delete(key);
    this.#record({ op, requestId, changed: result.changed, properties: Object.fromEntries(this.properties) });
    return result;
  }

  /**
   * In Outlook a pinned pane sees another message when the user selects one; the preview has one message, so
   * nothing calls the handler but selectAnotherMessage() (for tests and the console).
   */
  async onContextChanged(handler) {
    this.contextHandlers = [...(this.contextHandlers ?? []), handler];
  }

  /** Stands in for selecting another message while the pane is pinned: forget what was read, tell the pane. */
  selectAnotherMessage() {
    this.target = null;
    this.last = null;
    this.#record({ op: "contextChanged" });
    for (const handler of this.contextHandlers ?? []) handler();
  }

  /** The message read, with the earlier messages of its thread quoted below it as Outlook's body has them. */
  #messageText() {
    const body = this.message.value ?? this.message.textContent;
    const earlier = [...(this.thread?.querySelectorAll("li") ?? [])].map((item) => item.textContent.trim()).filter(Boolean);
    return earlier.length ? `${body}\n\n________________________________\n\n${earlier.join("\n\n")}` : body;
  }

  #checkedTarget() {
    const { value, selectionStart, selectionEnd } = this.textarea;
    const target = this.target ?? { start: selectionStart, end: selectionEnd, text: value.slice(selectionStart, selectionEnd) };
    if (value.slice(target.start, target.end) !== target.text) throw this.#error("documentChanged");
    return target;
  }

  #write(text, start, end) {
    const before = this.textarea.value;
    this.textarea.setRangeText(text, start, end, "select");
    this.last = { kind: "edit", before, after: this.textarea.value, start };
    // Let anything listening to the document (autosave, counters) hear about the change.
    this.textarea.dispatchEvent(new Event("input", { bubbles: true }));
    this.textarea.focus();
  }

  /** A HostError saying `key` (hosts/messages.js) in the pane's language. */
  #error(key, params) {
    return new HostError(hostMessage(this.language, key, params));
  }

  #record(entry) {
    const recorded = { mode: this.kind, ...entry };
    this.log.push(recorded);
    this.onRecord(recorded);
  }
}

/** A message body as a small HTML document, built as a DOM (never by pasting text into markup). */
function messageDocument(subject, body) {
  const doc = document.implementation.createHTMLDocument(subject || "Message");
  for (const paragraph of paragraphsOf(normalizeText(body))) {
    const p = doc.createElement("p");
    p.textContent = paragraph.text;
    doc.body.append(p);
  }
  return `<!doctype html>\n${new XMLSerializer().serializeToString(doc.documentElement)}`;
}
