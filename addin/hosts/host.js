// The host contract: what the pane may ask of the thing it runs in (Word, Outlook reading or writing a message,
// or the plain-browser preview). The pane only ever talks to a host through these calls, so it never touches
// Office.js itself. word.js and outlook.js implement all of it; preview.js implements the original subset
// (name, getSelectionOrBody, getSelection, replaceSelection, insertAtCursor), which every host keeps.
//
// Rules every host follows:
// - capabilities() says first what works here; a call the host cannot do throws a HostError whose message is
//   the same one-line reason, so the pane can show it (never a broken button, never an Office error object).
// - Failures from Office (a failed AsyncResult, a Word.run rejection) become HostError(message).
// - The host remembers the range it last read, so an apply lands where the text came from even after the
//   user clicked elsewhere; it refuses to overwrite text that changed since it was read.
// - One level of undo: undoLastApply() reverses the last apply or insert and then forgets it.
//
// ---- the interface (JSDoc only: no build step, nothing to import but HostError and the helpers below) ----
//
// @typedef {"preview" | "word" | "outlook-read" | "outlook-compose"} HostKind
//
// @typedef {{available: boolean, reason: string}} Capability   reason: "" when available, else one line in
//   the pane's language (see ../capabilities.js).
//
// @typedef {Object<string, Capability>} Capabilities   keys (FEATURES below): readSelection, readBody,
//   replace, trackedChanges, comments, insertBelow, insertDocx, insertHtml, fileAsDocx, undo, citations,
//   attachments, replyForm, pinning, provenance. Every key is present on every host; a feature this host does not have
//   is {available: false, reason: "Available only in Word." ...}.
//
// @typedef {{filename: string, content_base64: string}} FilePayload   as POST /api/v1/summarize takes it
//
// @typedef {Object} SummaryMaterial   what readForSummary() gives, ready to merge into the summarize body:
//   {text} or {document}, plus {attachments} (Outlook read), and `skipped`: [{name, reason}] for
//   attachments left out (too large, not a docx/xlsx/pdf, needs Mailbox 1.8), for the pane to list.
//   @property {string} [text]
//   @property {FilePayload} [document]
//   @property {FilePayload[]} [attachments]
//   @property {{name: string, reason: string}[]} skipped
//
// @typedef {"replace" | "tracked" | "below" | "comment"} ApplyAs
// @typedef {"cursor" | "replace" | "end"} InsertMode   cursor: after the selection (never over it);
//   replace: over the last range read (or the selection); end: at the end of the document or message.
//
// @typedef {Object} Host
// @property {HostKind} kind
// @property {string} name                      same as kind (preview.js's original field)
// @property {"word" | "outlook" | "preview"} application   the application the pane runs in, sent to the
//     service in X-Drafter-Host (api.js) for the audit trail; the preview is "preview" in every mode
// @property {() => Capabilities} capabilities
// @property {() => Promise<{text: string, scope: "selection"}>} readSelection
//     the selected text ("" when nothing is selected); remembers it as the target of the next apply.
// @property {() => Promise<{text: string, scope: "body"}>} readAll
//     the whole document or message body as plain text; remembers the body as the target.
// @property {() => Promise<{text: string, scope: "selection" | "body"}>} getSelectionOrBody
//     the selection when it has non-blank text, else the whole body (what Rewrite/Proofread/Translate act on).
// @property {() => Promise<string>} getSelection        preview.js's call: the selected text only
// @property {() => Promise<SummaryMaterial>} readForSummary
//     Word: the whole .docx (getFileAsync Compressed) as `document`, else body `text`. Outlook read: the body
//     as an HTML `document` plus .docx/.xlsx/.pdf `attachments`. Outlook compose: the draft as `text`.
// @property {(text: string, mode?: InsertMode) => Promise<void>} insertText
// @property {(rendered: {docx_base64?: string, html?: string, text?: string}, mode?: InsertMode) => Promise<void>}
//     insertRendered   Word inserts docx_base64 (insertFileFromBase64) or html; Outlook inserts html, or
//     `text` when the message body is plain text; the preview records the .docx or HTML and shows `text`.
// @property {(text: string, options?: {as?: ApplyAs}) => Promise<void>} applyResult
//     put a result back where the last read came from, as a replacement, a tracked replacement, a new
//     paragraph below, or a comment on it.
// @property {(text: string) => Promise<void>} replaceSelection   preview.js's call: applyResult(text)
// @property {(text: string) => Promise<void>} insertAtCursor      preview.js's call: insertText(text, "cursor")
// @property {() => boolean} canUndo
// @property {() => Promise<void>} undoLastApply
// @property {(id: string) => Promise<void>} selectParagraph   a citation chip: "p<n>" selects paragraph n
//     (1-based) of the document body; attachment ids ("a1.p3") throw.
// @property {(html: string) => Promise<void>} openReply       Outlook read: a reply form with this body.
// @property {(requestId: string) => Promise<{added: boolean, ids: string[]}>} stampProvenance
//     Word: record the request id of an AI edit just applied in the document's custom properties
//     (hosts/provenance.js: DrafterAIEdits...); `added` is false when it was there already.
// @property {(requestId: string) => Promise<{removed: boolean, ids: string[]}>} unstampProvenance
//     Word: take that id out again (the pane does so when it undoes the edit that added it).
// @property {(handler: () => void) => Promise<void>} onContextChanged
//     call handler when what the pane works on changes under it (Outlook: another message selected while the
//     pane is pinned); a host where that cannot happen never calls it.

/** The feature flags every host reports, in display order. */
export const FEATURES = Object.freeze([
  "readSelection", "readBody", "replace", "trackedChanges", "comments", "insertBelow", "insertDocx",
  "insertHtml", "fileAsDocx", "undo", "citations", "attachments", "replyForm", "pinning", "provenance",
]);

export const APPLY_AS = Object.freeze(["replace", "tracked", "below", "comment"]);
export const INSERT_MODES = Object.freeze(["cursor", "replace", "end"]);

/** An error the pane can show as it is: one plain sentence, no Office error object behind it. */
export class HostError extends Error {
  constructor(message) {
    super(message);
    this.name = "HostError";
  }
}

/** Any thrown thing as a HostError carrying only its message (Office errors carry debug info we do not show). */
export function asHostError(error, fallback = "Office could not complete the request.") {
  if (error instanceof HostError) return error;
  const message = typeof error?.message === "string" && error.message.trim() ? error.message : fallback;
  return new HostError(message);
}

/** Throws the capability's own reason when the feature is off here; the pane saw the same line on the button. */
export function requireCapability(capabilities, feature) {
  const capability = capabilities[feature];
  if (!capability) throw new HostError(`Unknown feature: ${feature}`);
  if (!capability.available) throw new HostError(capability.reason);
}

/** Paragraph text as the pane compares it: Word's \r and \v line ends, and trailing breaks, made uniform. */
export function normalizeText(text) {
  return String(text ?? "").replace(/\r\n?|\v/g, "\n").replace(/\n+$/, "");
}
