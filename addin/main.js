// The preview page's entry point: the pane (pane.js) beside a stand-in Word document or Outlook message, with
// the dev sign-in, in the browser's language. The stand-in is chosen by ?mode= (the page's switch submits it):
// a reload re-creates the host and the pane, so the pane reads the new host's capabilities from the start.
import { createDevSignIn } from "./auth.js";
import { PREVIEW_MODES, PreviewHost } from "./hosts/preview.js";
import { PROPERTY } from "./hosts/provenance.js";
import { createI18n, pickLanguage, translatePage } from "./i18n.js";
import { createPane } from "./pane.js";

const $ = (id) => document.getElementById(id);

const requested = new URLSearchParams(location.search).get("mode");
const mode = PREVIEW_MODES.includes(requested) ? requested : "word";

for (const section of document.querySelectorAll("[data-mode]")) section.hidden = section.dataset.mode !== mode;
$("mode").value = mode;

// The intro names what the stand-in is in this mode (a Word document, the message read, the message written).
$("intro").dataset.i18n = `preview.intro.${mode}`;
const i18n = createI18n(pickLanguage(navigator.language));
translatePage(document, i18n);

/** One line of the visible log for a recorded request, in the page's language; reads are left out. */
function describe(entry) {
  const t = i18n.t;
  switch (entry.op) {
    case "replace": case "replaceSelection": return t("preview.log.replace", { text: entry.text });
    case "trackedChange": return t("preview.log.tracked", { deleted: entry.deleted, inserted: entry.inserted });
    case "comment": return t("preview.log.comment", { on: entry.on, text: entry.text });
    case "insertBelow": return t("preview.log.below", { text: entry.text });
    case "insertText": case "insertAtCursor": return t("preview.log.insert", { mode: entry.mode ?? "cursor", text: entry.text });
    case "insertRendered":
      return entry.docx_base64 ? t("preview.log.docx", { mode: entry.mode, text: entry.text })
        : t("preview.log.rendered", { mode: entry.mode, text: entry.html ?? entry.text });
    case "undo": return t("preview.log.undo");
    case "contextChanged": return t("preview.log.contextChanged");
    case "selectParagraph": return t("preview.log.select", { id: entry.id });
    case "openReply": return t("preview.log.reply", { text: entry.text });
    case "stampProvenance":
      return t(entry.changed ? "preview.log.stamp" : "preview.log.stampKept", { id: entry.requestId, property: PROPERTY });
    case "unstampProvenance": return t("preview.log.unstamp", { id: entry.requestId, property: PROPERTY });
    default: return null;
  }
}

function record(entry) {
  const line = describe(entry);
  if (entry.op === "openReply") {
    $("reply-body").value = entry.text;
    $("reply").hidden = false;
  }
  if (line === null) return;
  const item = document.createElement("li");
  item.textContent = line;
  $("host-log").append(item);
  $("host-log-empty").hidden = true;
}

const host = new PreviewHost({
  mode,
  textarea: mode === "outlook-compose" ? $("compose-body") : $("doc"),
  message: $("message-body"),
  thread: $("thread"),
  subject: $("read-subject").textContent,
  onRecord: record,
  language: i18n.language ?? navigator.language,
});
window.__drafterHost = host;          // for tests and for trying calls from the console
window.__drafterHostLog = host.log;  // everything the pane asked of the host, in order

createPane({ host, root: document, auth: createDevSignIn(), i18n });
