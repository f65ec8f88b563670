// The admin dashboard (/admin): sign in, choose a date range, see the usage report, download it as CSV or
// .xlsx. The report is the caller's own tenant's (the service decides); a signed-in account without the
// Drafter.Admin role gets a plain message instead of the report. In English or French (i18n.js): the
// browser's language, or the one the switch chose for this tab; switching says everything again in place.
import { createClient } from "./client.js";
import { el } from "./dom.js";
import { describeError } from "./errors.js";
import { chooseLanguage, createI18n, otherLanguage, rememberLanguage, translatePage } from "./i18n.js";
import { renderReport } from "./report_view.js";
import { checkRange, describeRangeProblem, rangeFromSearch } from "./range.js";
import { createDevSession, createEntraSession } from "./session.js";

const $ = (id) => document.getElementById(id);
const client = createClient();
const storage = (() => {
  try {
    return globalThis.sessionStorage;
  } catch {
    return null; // storage disabled: the language is the browser's on every load
  }
})();
let i18n = createI18n(chooseLanguage({ languages: navigator.languages, storage }), navigator.languages);
let session = null;
let view = null;  // which of sign-in, not-admin, dashboard shows
let shown = null; // the report on the page
// What the page says, kept as what to say rather than as text, so that switching language says it again.
const said = {
  status: (words) => words.t("page.loading"), // (i18n) => text, or null
  error: null,      // the failure shown in #error
  range: null,      // the range problem beside the inputs: from checkRange, or {field, error} from the service
  download: null,   // (i18n) => text, or null
  signIn: null,     // the dev sign-in's problem: (i18n) => text, or an error
};

/** Text in the page's language, then the service's own (English) words, marked as English. */
function fill(node, { said: text, service }) {
  node.replaceChildren(text, ...(service ? [" ", el("span", { lang: "en" }, service)] : []));
}

function show(name) {
  view = name;
  for (const id of ["sign-in", "not-admin", "dashboard"]) $(id).hidden = id !== name;
  const user = name !== "sign-in" && session?.user();
  $("signed-in").hidden = !user;
  $("signed-in-as").textContent = !user ? ""
    : user.name && user.email ? i18n.t("signIn.as", { name: user.name, email: user.email })
      : i18n.t("signIn.asName", { name: user.name || user.email });
}

function status(words) {
  said.status = words;
  $("page-status").textContent = words ? words(i18n) : "";
}

function showError(err) {
  said.error = err;
  $("error").hidden = !err;
  if (err) fill($("error-message"), describeError(err, i18n));
  else $("error-message").textContent = "";
  $("error-request-id").textContent = err?.requestId || i18n.t("error.requestId.none");
}

function rangeError(problem, { focus = true } = {}) {
  said.range = problem;
  const message = $("range-error");
  message.hidden = !problem;
  if (!problem) message.textContent = "";
  else if (problem.error) fill(message, describeError(problem.error, i18n));
  else message.textContent = describeRangeProblem(problem, i18n);
  for (const [field, input] of [["from", $("range-from")], ["to", $("range-to")]]) {
    if (problem?.field === field) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  if (problem && focus) (problem.field === "to" ? $("range-to") : $("range-from")).focus();
}

function downloadNote(words) {
  said.download = words;
  $("download-status").textContent = words ? words(i18n) : "";
}

function signInProblem(problem) {
  said.signIn = problem;
  const node = $("dev-sign-in-error");
  node.hidden = !problem;
  if (!problem) node.textContent = "";
  else if (typeof problem === "function") node.textContent = problem(i18n);
  else fill(node, describeError(problem, i18n));
}

/** The page in `i18n`'s language: its fixed text, then everything it said since it loaded. */
function sayAll() {
  translatePage(document, i18n);
  $("language-switch").lang = otherLanguage(i18n.language);
  if (view) show(view);
  status(said.status);
  showError(said.error);
  rangeError(said.range, { focus: false });
  downloadNote(said.download);
  signInProblem(said.signIn);
  if (shown) renderReport($("report"), shown, i18n);
}

function switchLanguage() {
  const language = otherLanguage(i18n.language);
  rememberLanguage(storage, language);
  i18n = createI18n(language, navigator.languages);
  sayAll();
}

function usageUrl(range, format) {
  const query = new URLSearchParams({ from: range.from, to: range.to });
  if (format) query.set("format", format);
  if (format) query.set("lang", i18n.language); // the workbook's words; the CSV keeps its column names
  return `/api/v1/admin/usage?${query}`;
}

/** Refusals that mean "sign in" or "not an admin" change the view; anything else is shown as an error. */
function handleFailure(err) {
  if (err?.status === 401 && ["sign_in_required", "unauthorized"].includes(err.error)) {
    status((words) => words.t("status.signIn"));
    showSignIn();
  } else if (err?.status === 403) {
    status((words) => words.t("status.notAdmin"));
    $("not-admin-detail").textContent = err.message;
    show("not-admin");
  } else if (err?.status === 400 && (err.field === "from" || err.field === "to")) {
    status(null);
    rangeError({ field: err.field, error: err });
  } else {
    status(null);
    showError(err);
  }
}

async function load(range) {
  showError(null);
  rangeError(null);
  status((words) => words.t("status.loading", { range: words.range(range.from, range.to) }));
  $("range-from").value = range.from;
  $("range-to").value = range.to;
  try {
    const report = await client.json(usageUrl(range));
    show("dashboard");
    shown = report;
    renderReport($("report"), report, i18n);
    history.replaceState(null, "", `/admin?${new URLSearchParams({ from: report.from, to: report.to })}`);
    status((words) => words.plural("status.shown", report.totals.requests, { range: words.range(report.from, report.to) }));
  } catch (err) {
    handleFailure(err);
  }
}

async function download(format) {
  if (!shown) return;
  const { from, to } = shown;
  downloadNote((words) => words.t(`download.preparing.${format}`));
  try {
    const { blob, filename } = await client.file(usageUrl({ from, to }, format), `drafter-usage-${from}-${to}.${format}`);
    const href = URL.createObjectURL(blob);
    const link = Object.assign(document.createElement("a"), { href, download: filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(href), 60000);
    downloadNote((words) => words.t("download.done", { filename }));
  } catch (err) {
    downloadNote(null);
    handleFailure(err);
  }
}

function showSignIn() {
  show("sign-in");
  $("dev-sign-in").hidden = session?.mode !== "dev";
  $("entra-sign-in").hidden = session?.mode !== "entra";
}

function wire() {
  $("language-switch").addEventListener("click", switchLanguage);
  $("range-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const checked = checkRange($("range-from").value, $("range-to").value);
    if (checked.field) rangeError(checked);
    else load(checked);
  });
  $("download-csv").addEventListener("click", () => download("csv"));
  $("download-xlsx").addEventListener("click", () => download("xlsx"));
  const signOut = async () => {
    shown = null;
    await session.signOut();
    status((words) => words.t("status.signedOut"));
    showSignIn();
  };
  $("sign-out").addEventListener("click", signOut);
  $("not-admin-sign-out").addEventListener("click", signOut);
  $("entra-sign-in-button").addEventListener("click", () => session.signIn().catch(handleFailure));
  $("dev-sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("user-name").value.trim();
    const email = $("user-email").value.trim();
    if (!name || !email.includes("@")) {
      signInProblem((words) => words.t("signIn.missing"));
      return;
    }
    signInProblem(null);
    try {
      await session.signIn({ name, email, admin: $("user-admin").checked });
      await load(rangeFromSearch(location.search));
    } catch (err) {
      signInProblem(err);
    }
  });
}

async function loadMsal() {
  await import("../vendor/msal-browser.min.js");
  return globalThis.msal;
}

async function start() {
  sayAll(); // the page's language before anything else shows
  wire();
  const config = await client.json("/addin/config.json", { auth: false });
  session = config.auth_mode === "entra"
    ? await createEntraSession({ msal: await loadMsal(), config, origin: location.origin })
    : createDevSession({ client });
  client.useTokens(session);
  if (!session.user()) {
    status((words) => words.t("status.signIn"));
    showSignIn();
    return;
  }
  await load(rangeFromSearch(location.search));
}

// Never run inside a frame: the page is not meant to be framed (and refuses it), so a frame is not ours.
if (window.top === window.self) {
  start().catch((err) => {
    status(null);
    showError(err);
  });
}
