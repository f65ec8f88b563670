// The preview page's entry point: the pane (pane.js) beside a stand-in Word document or Outlook message, with
// the dev sign-in, in the browser's language. The stand-in is chosen by ?mode= (the page's switch submits it):
// a reload re-creates the host and the pane, so the pane reads the new host's capabilities from the start.
import { createDevSignIn } from "./auth.js";
import { PREVIEW_MODES, PreviewHost } from "./hosts/preview.js";
import { createI18n, pickLanguage, translatePage } from "./i18n.js";
import { createPane } from "./pane.js";

const $ = (id) => document.getElementById(id);

const requested = new URLSearchParams(location.search).get("mode");
const mode = PREVIEW_MODES.includes(requested) ? requested : "word";

for (const section of document.querySelectorAll("[data-mode]")) section.hidden = section.dataset.mode !== mode;
$("mode").value = mode;

const i18n = createI18n(pickLanguage(navigator.language));
translatePage(document, i18n);

/** One line of the visible log for a recorded request; reads are left out (they change nothing). */
function describe(entry) {
  switch (entry.op) {
    case "replace": case "replaceSelection": return `Replaced the text with: ${entry.text}`;
    case "trackedChange": return `Tracked change: deleted "${entry.deleted}", inserted "${entry.inserted}"`;
    case "comment": return `Comment on "${entry.on}": ${entry.text}`;
    case "insertBelow": return `Inserted below: ${entry.text}`;
    case "insertText": case "insertAtCursor": return `Inserted (${entry.mode ?? "cursor"}): ${entry.text}`;
    case "insertRendered": return `Inserted formatted text (${entry.mode}): ${entry.html ?? entry.text}`;
    case "undo": return "Undid the last change.";
    case "selectParagraph": return `Selected paragraph ${entry.id}.`;
    case "openReply": return `Opened a reply form: ${entry.text}`;
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
  subject: $("read-subject").textContent,
  onRecord: record,
  language: i18n.language ?? navigator.language,
});
window.__drafterHost = host;          // for tests and for trying calls from the console
window.__drafterHostLog = host.log;  // everything the pane asked of the host, in order

createPane({ host, root: document, auth: createDevSignIn(), i18n });
