// The host-specific flows of the pane: which jobs a host offers (and why one is off), what Summarize sends,
// how a draft goes into the document or message, and the Outlook reply form. Pure of the DOM; the pane wires it.
import { apiFetch } from "./api.js";

// Jobs per host kind, in display order. "reply" is the draft job with the thread as context, opened as a reply.
// Proofread and Translate are rewrites with the service's "proofread" and "translate" presets (PRESET_JOBS).
export const JOBS_BY_HOST = Object.freeze({
  word: ["rewrite", "proofread", "translate", "summarize", "draft", "review"],
  "outlook-compose": ["draft", "rewrite", "review"],
  "outlook-read": ["summarize", "reply"],
  preview: ["rewrite", "proofread", "translate", "summarize", "draft", "review"],
});

/** Jobs that are a rewrite with one of the service's presets: the job's name is the preset's id. */
export const PRESET_JOBS = Object.freeze(new Set(["proofread", "translate"]));

// The capability each job cannot do without (its reason is shown when it is missing).
const JOB_NEEDS = { rewrite: "readBody", proofread: "readBody", translate: "readBody", summarize: "readBody",
  draft: "insertHtml", review: "readBody", reply: "replyForm" };

// Host-specific names of a job: task.<job>.<kind> when present, else task.<job>.
const LABEL_KEYS = {
  "outlook-compose": { draft: "task.draft.email", rewrite: "task.rewrite.selection", review: "task.review.coach" },
  "outlook-read": { summarize: "task.summarize.thread" },
};

/** The jobs of this host: [{job, labelKey, available, reason}]. */
export function jobsFor(host) {
  const kind = host?.kind ?? host?.name ?? "preview";
  const capabilities = typeof host?.capabilities === "function" ? host.capabilities() ?? {} : {};
  return (JOBS_BY_HOST[kind] ?? JOBS_BY_HOST.preview).map((job) => {
    const capability = capabilities[JOB_NEEDS[job]];
    const available = capability ? !!capability.available : true;
    return { job, labelKey: LABEL_KEYS[kind]?.[job] ?? `task.${job}`, available, reason: available ? "" : String(capability.reason ?? "") };
  });
}

/**
 * The summarize body from host.readForSummary(): {document} or {text}, plus attachments when there are any,
 * and the attachments left out ({name, reason}) for the pane to list. Hosts without it send the text they read.
 */
export async function summaryRequest(host) {
  if (typeof host.readForSummary !== "function") {
    const { text, scope } = await host.getSelectionOrBody();
    return { body: { text }, scope, skipped: [], notice: "" };
  }
  const material = await host.readForSummary();
  const body = {};
  if (material?.document) body.document = material.document;
  else body.text = String(material?.text ?? "");
  if (Array.isArray(material?.attachments) && material.attachments.length) body.attachments = material.attachments;
  const skipped = Array.isArray(material?.skipped) ? material.skipped : [];
  return { body, scope: "body", skipped, notice: String(material?.notice ?? "") };
}

const can = (host, feature) => {
  const capability = typeof host.capabilities === "function" ? host.capabilities()?.[feature] : null;
  return !!capability?.available;
};

/** A result rendered by the service: the {docx_base64} JSON form, or {html}. */
export async function render(markdown, format, { signal } = {}) {
  const answer = await apiFetch("/api/v1/documents/render", { body: { markdown, format }, signal, headers: { Accept: "application/json" } });
  return format === "docx" ? { docx_base64: String(answer?.docx_base64 ?? "") } : { html: String(answer?.html ?? "") };
}

// Markdown that carries structure or emphasis worth keeping: a heading, a list item, a table row, a quote, a
// fence (at the start of a line), or bold, italic, a link.
const FORMATTED = /^(?:#{1,6}\s|\s*(?:[-*+]|\d{1,3}[.)])\s+\S|\s*\|.*\||>|```)|\*\*\S[^*]*\*\*|__\S[^_]*__|(?:^|[\s(])[*_]\S[^*_\n]*[*_](?=[\s.,;:!?)]|$)|\[[^\]\n]+\]\([^)\s]+\)/m;

/** Whether a draft has formatting (headings, lists, tables, emphasis, links) that plain text would lose. */
export function isFormatted(markdown) {
  return FORMATTED.test(String(markdown ?? ""));
}

/** The draft as plain text: heading marks, emphasis and link syntax dropped; list markers and lines kept. */
export function plainText(markdown) {
  return String(markdown ?? "")
    .replace(/^#{1,6}\s+/gm, "")
    .replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, "$1 ($2)")
    .replace(/(\*\*|__)(\S[^*_]*?)\1/g, "$2")
    .replace(/(^|[\s(])[*_](\S[^*_\n]*?)[*_](?=[\s.,;:!?)]|$)/gm, "$1$2");
}

/**
 * Puts a draft in at the cursor. A formatted draft goes into Word as a rendered .docx (insertFileFromBase64:
 * headings, lists and tables take the document's styles); Outlook compose gets rendered HTML; anything else,
 * and a plain draft in Word, goes in as text (insertText). Returns how: "docx", "html" or "text".
 */
export async function insertDraft(host, markdown) {
  const text = plainText(markdown);
  const rendered = typeof host.insertRendered === "function";
  if (rendered && isFormatted(markdown) && can(host, "insertDocx")) {
    // `text` rides along for a host that can only show text (the preview records the .docx and shows that).
    await host.insertRendered({ ...(await render(markdown, "docx")), text }, "cursor");
    return "docx";
  }
  if (rendered && host.kind === "outlook-compose" && can(host, "insertHtml")) {
    await host.insertRendered({ ...(await render(markdown, "html")), text }, "cursor");
    return "html";
  }
  if (typeof host.insertText === "function") await host.insertText(text, "cursor");
  else await host.insertAtCursor(text);
  return "text";
}

// Where a reply's quoted thread starts in a message body as text: Outlook's rule line, an "Original Message"
// banner, a "From: / Sent:" header (English or French), an "On ... wrote:" line, or ">" quoting.
const THREAD_STARTS = [
  /^_{10,}[ \t]*$/m,
  /^-{2,}\s*(?:Original Message|Message d['’]origine)\s*-{2,}/im,
  /^(?:From|De)[ \t\u00a0]?:.*\r?\n(?:Sent|Date|Envoyé)[ \t\u00a0]?:/im,
  /^(?:On\s.+\swrote|Le\s.+\sa\s+écrit)[ \t\u00a0]?:[ \t]*$/im,
  /^>/m,
];

/** A message being written, split into the new text and the thread quoted below it ("" when none). */
export function splitReply(text) {
  const body = String(text ?? "");
  const starts = THREAD_STARTS.map((pattern) => pattern.exec(body)?.index).filter((index) => index !== undefined);
  if (!starts.length) return { draft: body.trim(), thread: "" };
  const at = Math.min(...starts);
  return { draft: body.slice(0, at).trim(), thread: body.slice(at).trim() };
}

/**
 * What Coach reviews in a message being written: the selection, or the new text above the quoted thread; and
 * the thread itself as the context, so unanswered questions in it are found. {text, scope, thread}
 */
export async function coachMaterial(host) {
  const { text: body } = await host.readAll();
  const { draft, thread } = splitReply(body);
  const selected = await host.getSelectionOrBody();
  if (selected.scope === "selection") return { text: selected.text, scope: "selection", thread };
  return { text: draft, scope: "body", thread };
}

/** The thread as the reply's context: the message body as text (what the model answers). */
export async function replyContext(host) {
  const { text } = await host.readAll();
  return text;
}

/** Opens Outlook's reply form with the draft rendered as HTML. */
export async function openReply(host, markdown) {
  const { html } = await render(markdown, "html");
  await host.openReply(html);
}
