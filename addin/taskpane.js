// The Office task pane's entry point. Office.onReady is the only entry: it says which application the pane
// runs in (Word, Outlook), and the pane gets that application's host adapter, the sign-in the service asks for
// (dev token or Entra), and the strings of Office's display language. Outside Office it points to the preview.
import { createDevSignIn, createEntraSignIn, createEntraTokenProvider, loadAuthConfig } from "./auth.js";
import { createI18n, pickLanguage, translatePage } from "./i18n.js";
import { createPane } from "./pane.js";
import { followOfficeTheme } from "./theme.js";

const $ = (id) => document.getElementById(id);

// Loaded on demand, so the page still starts when one adapter is missing and Word never loads Outlook's code.
const ADAPTERS = {
  Word: () => import("./hosts/word.js"),
  Outlook: () => import("./hosts/outlook.js"),
};

/** "read" or "compose": a message being read offers displayReplyForm, one being written does not. */
export function outlookMode(office) {
  const item = office?.context?.mailbox?.item;
  return typeof item?.displayReplyForm === "function" ? "read" : "compose";
}

/** The host adapter a module exports: createHost(options), or its *Host class (WordHost({Word, Office})). */
export function makeHost(module, options) {
  if (typeof module.createHost === "function") return module.createHost(options);
  const Host = Object.entries(module).find(([name, value]) => typeof value === "function" && /Host$/.test(name) && name !== "HostError")?.[1];
  if (!Host) throw new Error("The host adapter exports no host.");
  return new Host(options);
}

/** The starting screen gives way to `id` (the pane, or a notice). */
function show(id) {
  $("starting").hidden = true;
  $(id).hidden = false;
  performance.mark(`drafter:shown:${id}`);  // when the pane (or a notice) showed: bench/pane.py reads it
}

function showProblem(text) {
  $("host-problem-text").textContent = text;
  show("host-problem");
}

// While Office.js starts up: say so, in the browser's language until Office's is known.
$("starting-text").textContent = createI18n(pickLanguage(navigator.language)).t("page.starting");
$("starting-text").hidden = false;

/** MSAL.js, vendored (addin/vendor/README.md): its bundle sets globalThis.msal. */
async function loadMsal() {
  await import("./vendor/msal-browser.min.js");
  return globalThis.msal;
}

// How to sign in is asked at once, while Office.js starts up, rather than after Office.onReady: the pane then
// shows as soon as Office and its adapter are ready. A failure is shown by start(), which awaits it.
const authConfig = loadAuthConfig();
authConfig.catch(() => {});

async function createSignIn(office) {
  const config = await authConfig;
  if (config.auth_mode === "dev") return createDevSignIn();
  const tokens = createEntraTokenProvider({
    config, office, officeRuntime: globalThis.OfficeRuntime, loadMsal,
    dialogUrl: new URL("signin.html", location.href).href,
  });
  return createEntraSignIn({ tokens });
}

async function start(info) {
  const office = globalThis.Office;
  followOfficeTheme(office, document);  // light or dark as Office is, before anything shows
  const i18n = createI18n(pickLanguage(office?.context?.displayLanguage || navigator.language));
  translatePage(document, i18n);
  if (!info?.host) {
    show("outside");
    return;
  }
  const load = ADAPTERS[info.host];
  if (!load) {
    showProblem(i18n.t("page.hostUnsupported"));
    return;
  }
  let host;
  let auth;
  const signIn = createSignIn(office);  // in parallel with loading the adapter
  signIn.catch(() => {});
  try {
    const module = await load();
    host = makeHost(module, {
      Office: office, Word: globalThis.Word, language: i18n.language,
      mode: info.host === "Outlook" ? outlookMode(office) : undefined,
    });
  } catch (err) {
    console.error(err);
    showProblem(i18n.t("page.hostMissing"));
    return;
  }
  try {
    auth = await signIn;
  } catch (err) {
    showProblem(err?.message || i18n.t("error.generic"));
    return;
  }
  show("pane-wrap");
  createPane({ host, root: document, auth, i18n });
}

// Office.js is missing when its CDN cannot be reached or the page was opened from a plain browser without it.
if (typeof globalThis.Office?.onReady === "function") {
  globalThis.Office.onReady((info) => start(info));
} else {
  start({ host: null });
}
