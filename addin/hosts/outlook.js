// The Outlook host: the contract of host.js on the mailbox item (Office.context.mailbox.item), in read mode
// (summarize the message and its attachments, open a reply) or compose mode (read the selection or the draft,
// insert at the cursor, rewrite the selection). The item is looked up on every call: when the pane is pinned,
// Outlook swaps it as the user moves between messages.
//
// Outlook cannot track a range: a rewrite goes to the current selection, so the host re-reads the selection
// first and refuses when it is no longer the text that was read. Undo (compose, Mailbox 1.3) keeps the body
// from before the edit and puts it back only if the body is still exactly as the edit left it.
import { checkCapabilities, languageOf } from "../capabilities.js";
import { textToBase64 } from "./base64.js";
import { APPLY_AS, HostError, INSERT_MODES, asHostError, normalizeText, requireCapability } from "./host.js";
import { hostMessage } from "./messages.js";
import { officeAsync } from "./office_async.js";

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;  // the service's file cap
// The message and its files together, so that one request carries them: base64 adds a third, and the service
// takes 16 MiB per request.
export const MAX_TOTAL_BYTES = 11 * 1024 * 1024;
export const MAX_ATTACHMENTS = 10;                    // the service's limit per request
export const MAX_REPLY_CHARS = 32 * 1024;             // displayReplyForm's htmlBody limit
const READABLE = /\.(docx|xlsx|pdf)$/i;


/** Compose mode has body.getTypeAsync; read mode does not (Mailbox 1.1). */
export function isCompose(item) {
  return typeof item?.body?.getTypeAsync === "function";
}

export class OutlookHost {
  /**
   * @param {{Office?: any, maxAttachmentBytes?: number, maxTotalBytes?: number}} [options] Office defaults to the
   *   global; tests pass a mock.
   */
  constructor({ Office = globalThis.Office, maxAttachmentBytes = MAX_ATTACHMENT_BYTES,
    maxTotalBytes = MAX_TOTAL_BYTES } = {}) {
    this.application = "outlook";  // reading or writing: one application for the audit trail
    this.Office = Office;
    this.maxAttachmentBytes = maxAttachmentBytes;
    this.maxTotalBytes = maxTotalBytes;
    this.target = null;  // {scope: "selection" | "body", text, subject: boolean}
    this.last = null;    // {before, after, coercion}: the body around the last edit, for undo
  }

  get item() {
    const item = this.Office?.context?.mailbox?.item;
    if (!item) throw this.#error("noMessage");
    return item;
  }

  get kind() {
    return isCompose(this.Office?.context?.mailbox?.item) ? "outlook-compose" : "outlook-read";
  }

  get name() {
    return this.kind;
  }

  capabilities() {
    const context = this.Office?.context;
    return checkCapabilities(this.kind, context?.requirements, context?.displayLanguage);
  }

  /** `key` of hosts/messages.js in Office's display language; #error makes it a HostError. */
  #say(key, params) {
    return hostMessage(this.Office?.context?.displayLanguage, key, params);
  }

  #error(key, params) {
    return new HostError(this.#say(key, params));
  }

  // ---- reading ----

  /** The selected text of the draft (getSelectedDataAsync, Mailbox 1.2): body or subject. */
  async readSelection() {
    requireCapability(this.capabilities(), "readSelection");
    const { text, subject } = await this.#selection();
    this.target = { scope: "selection", text, subject };
    return { text, scope: "selection" };
  }

  /** The body as plain text (body.getAsync, Mailbox 1.3). */
  async readAll() {
    requireCapability(this.capabilities(), "readBody");
    const text = normalizeText(await this.#body(this.#coercion("Text")));
    this.target = { scope: "body", text, subject: false };
    return { text, scope: "body" };
  }

  async getSelectionOrBody() {
    if (this.kind === "outlook-compose") {
      const selected = await this.readSelection();
      if (selected.text.trim() !== "") return selected;
    }
    return this.readAll();
  }

  async getSelection() {
    if (this.kind !== "outlook-compose") return "";
    return (await this.#selection()).text;
  }

  /**
   * Read mode: the body as an HTML document (the service keeps its structure and numbers its paragraphs) and
   * the .docx, .xlsx and .pdf attachments (Mailbox 1.8). Compose mode: the draft's text.
   */
  async readForSummary() {
    const capabilities = this.capabilities();
    requireCapability(capabilities, "readBody");
    if (this.kind === "outlook-compose") {
      return { text: normalizeText(await this.#body(this.#coercion("Text"))), skipped: [] };
    }
    const html = await this.#body(this.#coercion("Html"));
    const content_base64 = textToBase64(html);
    const room = this.maxTotalBytes - Math.ceil(content_base64.length * 3 / 4);
    const { attachments, skipped } = await this.#attachments(capabilities.attachments, room);
    const material = { document: { filename: "message.html", content_base64 }, skipped };
    if (attachments.length) material.attachments = attachments;
    return material;
  }

  async #attachments(capability, room) {
    const attachments = [];
    const skipped = [];
    let left = room;  // bytes the request can still carry
    for (const attachment of this.item.attachments ?? []) {
      if (attachment.isInline) continue;  // pictures in the body, not documents
      const name = String(attachment.name ?? "attachment");
      const reason = !capability.available ? capability.reason
        : attachment.attachmentType !== "file" ? this.#say("attachmentNotFile")
          : !READABLE.test(name) ? this.#say("attachmentType")
            : attachment.size > this.maxAttachmentBytes ? this.#say("attachmentTooLarge", { limit: this.#size(this.maxAttachmentBytes) })
              : attachments.length >= MAX_ATTACHMENTS ? this.#say("attachmentCount", { count: MAX_ATTACHMENTS })
                : attachment.size > left ? this.#say("attachmentsTotal", { limit: this.#size(this.maxTotalBytes) })
                  : "";
      if (reason) {
        skipped.push({ name, reason });
        continue;
      }
      try {
        const content = await officeAsync((done) => this.item.getAttachmentContentAsync(attachment.id, done));
        if (content?.format !== "base64") {
          skipped.push({ name, reason: this.#say("attachmentNoContent") });
        } else {
          attachments.push({ filename: name, content_base64: content.content });
          left -= Math.ceil(content.content.length * 3 / 4);
        }
      } catch (error) {
        skipped.push({ name, reason: asHostError(error).message });
      }
    }
    return { attachments, skipped };
  }

  // ---- writing (compose) ----

  /** Outlook applies by replacing the selection it read (or the whole draft when nothing was selected). */
  async applyResult(text, { as = "replace" } = {}) {
    if (!APPLY_AS.includes(as)) throw new HostError(`Unknown way to apply a result: ${as}`);
    const capabilities = this.capabilities();
    requireCapability(capabilities, { replace: "replace", tracked: "trackedChanges", below: "insertBelow",
      comment: "comments" }[as]);
    const target = this.target;
    if (target?.scope === "body") {
      return this.#edit(async () => {
        const now = normalizeText(await this.#body(this.#coercion("Text")));
        if (now !== target.text) throw this.#error("messageChanged");
        await officeAsync((done) => this.item.body.setAsync(text, { coercionType: this.#coercion("Text") }, done));
        this.target = { scope: "body", text: normalizeText(text), subject: false };
      });
    }
    return this.#edit(async () => {
      if (target) {
        const now = await this.#selection();
        if (now.text !== target.text || now.subject !== target.subject) throw this.#error("messageChanged");
      }
      await this.#setSelected(text, this.#coercion("Text"), target?.subject);
      this.target = null;  // Outlook leaves the cursor after the new text: nothing is selected any more
    });
  }

  async replaceSelection(text) {
    return this.applyResult(text, { as: "replace" });
  }

  /** At the cursor, over what is selected there (setSelectedDataAsync); "replace" goes through applyResult. */
  async insertText(text, mode = "cursor") {
    if (!INSERT_MODES.includes(mode)) throw new HostError(`Unknown place to insert: ${mode}`);
    if (mode === "replace") return this.applyResult(text, { as: "replace" });
    requireCapability(this.capabilities(), "replace");
    if (mode === "end") throw this.#error("cursorOnly");
    return this.#edit(() => this.#setSelected(text, this.#coercion("Text")));
  }

  async insertAtCursor(text) {
    return this.insertText(text, "cursor");
  }

  /** HTML at the cursor; the plain `text` when this draft is plain text (HTML cannot go into it). */
  async insertRendered(rendered, mode = "cursor") {
    const { html, text, docx_base64: docx } = rendered ?? {};
    if (mode === "replace" || (!html && typeof text === "string")) {
      if (typeof text !== "string") throw this.#error("replaceNeedsText");
      return this.insertText(text, mode);
    }
    if (!INSERT_MODES.includes(mode)) throw new HostError(`Unknown place to insert: ${mode}`);
    if (!html) {
      throw docx ? new HostError(this.capabilities().insertDocx.reason || this.#say("docxOnlyInWord"))
        : this.#error("nothingToInsert");
    }
    requireCapability(this.capabilities(), "insertHtml");
    if (mode === "end") throw this.#error("cursorOnly");
    const bodyType = await officeAsync((done) => this.item.body.getTypeAsync(done));
    if (bodyType !== "html") {
      if (typeof text !== "string") throw this.#error("plainTextMessage");
      return this.#edit(() => this.#setSelected(text, this.#coercion("Text")));
    }
    return this.#edit(() => this.#setSelected(html, this.#coercion("Html")));
  }

  // ---- undo ----

  canUndo() {
    return Boolean(this.last);
  }

  async undoLastApply() {
    const last = this.last;
    if (!last) throw this.#error("nothingToUndo");
    requireCapability(this.capabilities(), "undo");
    const now = await this.#body(last.coercion);
    if (now !== last.after) throw this.#error("messageChanged");
    await officeAsync((done) => this.item.body.setAsync(last.before, { coercionType: last.coercion }, done));
    this.last = null;
    this.target = null;
  }

  // ---- read mode ----

  /** A reply to the message being read, with `html` as its body, in Outlook's own reply form. */
  async openReply(html) {
    requireCapability(this.capabilities(), "replyForm");
    const body = String(html ?? "");
    if (body.length > MAX_REPLY_CHARS) {
      throw this.#error("replyTooLong");
    }
    try {
      this.item.displayReplyForm({ htmlBody: body });
    } catch (error) {
      throw asHostError(error);
    }
  }

  async selectParagraph() {
    requireCapability(this.capabilities(), "citations");
  }

  /** A pinned pane sees another message: forget what was read from the last one, then tell the pane. */
  async onContextChanged(handler) {
    if (!this.capabilities().pinning.available) return;
    const { Office } = this;
    const event = Office.EventType?.ItemChanged ?? "olkItemSelectedChanged";
    await officeAsync((done) => Office.context.mailbox.addHandlerAsync(event, () => {
      this.target = null;
      this.last = null;
      handler();
    }, done));
  }

  // ---- plumbing ----

  #size(bytes) {
    return sizeLabel(bytes, languageOf(this.Office?.context?.displayLanguage) === "fr");
  }

  #coercion(name) {
    return this.Office?.CoercionType?.[name] ?? name.toLowerCase();
  }

  #body(coercion) {
    return officeAsync((done) => this.item.body.getAsync(coercion, done)).then((value) => String(value ?? ""));
  }

  async #selection() {
    const value = await officeAsync((done) => this.item.getSelectedDataAsync(this.#coercion("Text"), done));
    return { text: normalizeText(value?.data), subject: value?.sourceProperty === "subject" };
  }

  #setSelected(data, coercion, subject = false) {
    const options = { coercionType: coercion };
    // item.setSelectedDataAsync writes where the selection is, subject included; body's only into the body.
    return officeAsync((done) => (subject ? this.item.setSelectedDataAsync(data, options, done)
      : this.item.body.setSelectedDataAsync(data, options, done)));
  }

  /** Run an edit; with undo available, keep the body from before and after it (same coercion as the draft). */
  async #edit(change) {
    if (!this.capabilities().undo.available) {
      await change();
      this.last = null;
      return;
    }
    const bodyType = await officeAsync((done) => this.item.body.getTypeAsync(done));
    const coercion = this.#coercion(bodyType === "html" ? "Html" : "Text");
    const before = await this.#body(coercion);
    await change();
    this.last = { before, after: await this.#body(coercion), coercion };
  }
}

/** 7 MB, 980 KB (7 Mo, 980 Ko in French): the limit as a person reads it. */
function sizeLabel(bytes, french = false) {
  const [mega, kilo] = french ? ["Mo", "Ko"] : ["MB", "KB"];
  const megabytes = Math.round((bytes / (1024 * 1024)) * 10) / 10;
  return bytes >= 1024 * 1024 ? `${french ? String(megabytes).replace(".", ",") : megabytes} ${mega}`
    : `${Math.ceil(bytes / 1024)} ${kilo}`;
}
