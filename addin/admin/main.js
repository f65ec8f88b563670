// The admin dashboard (/admin): sign in, choose a date range, see the usage report, download it as CSV or
// .xlsx. The report is the caller's own tenant's (the service decides); a signed-in account without the
// Drafter.Admin role gets a plain message instead of the report.
import { createClient } from "./client.js";
import { renderReport } from "./report_view.js";
import { checkRange, rangeFromSearch } from "./range.js";
import { createDevSession, createEntraSession } from "./session.js";

const $ = (id) => document.getElementById(id);
const client = createClient();
let session = null;
let shown = null; // the {from, to} of the report on the page

function show(view) {
  for (const id of ["sign-in", "not-admin", "dashboard"]) $(id).hidden = id !== view;
  const user = view !== "sign-in" && session?.user();
  $("signed-in").hidden = !user;
  $("signed-in-as").textContent = user ? `Signed in as ${user.name || user.email}${user.email && user.name ? ` (${user.email})` : ""}` : "";
}

function status(text) {
  $("page-status").textContent = text;
}

function showError(err) {
  $("error").hidden = !err;
  $("error-message").textContent = err ? err.message || "Something went wrong." : "";
  $("error-request-id").textContent = err?.requestId || "none";
}

function rangeError(problem) {
  const message = $("range-error");
  message.hidden = !problem;
  message.textContent = problem ? problem.message : "";
  for (const [field, input] of [["from", $("range-from")], ["to", $("range-to")]]) {
    if (problem?.field === field) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  if (problem) (problem.field === "to" ? $("range-to") : $("range-from")).focus();
}

function usageUrl(range, format) {
  const query = new URLSearchParams({ from: range.from, to: range.to });
  if (format) query.set("format", format);
  return `/api/v1/admin/usage?${query}`;
}

/** Refusals that mean "sign in" or "not an admin" change the view; anything else is shown as an error. */
function handleFailure(err) {
  if (err?.status === 401 && ["sign_in_required", "unauthorized"].includes(err.error)) {
    status("Sign in to see usage.");
    showSignIn();
  } else if (err?.status === 403) {
    status("You need the Drafter.Admin role to see usage.");
    $("not-admin-detail").textContent = err.message;
    show("not-admin");
  } else if (err?.status === 400 && (err.field === "from" || err.field === "to")) {
    status("");
    rangeError({ field: err.field, message: err.message });
  } else {
    status("");
    showError(err);
  }
}

async function load(range) {
  showError(null);
  rangeError(null);
  status(`Loading usage from ${range.from} to ${range.to}…`);
  $("range-from").value = range.from;
  $("range-to").value = range.to;
  try {
    const report = await client.json(usageUrl(range));
    show("dashboard");
    renderReport($("report"), report);
    shown = { from: report.from, to: report.to };
    history.replaceState(null, "", `/admin?${new URLSearchParams(shown)}`);
    status(`Showing usage from ${report.from} to ${report.to}: ${report.totals.requests} requests.`);
  } catch (err) {
    handleFailure(err);
  }
}

async function download(format) {
  if (!shown) return;
  const note = $("download-status");
  note.textContent = `Preparing the ${format === "csv" ? "CSV" : "Excel"} file…`;
  try {
    const { blob, filename } = await client.file(usageUrl(shown, format), `drafter-usage-${shown.from}-${shown.to}.${format}`);
    const href = URL.createObjectURL(blob);
    const link = Object.assign(document.createElement("a"), { href, download: filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(href), 60000);
    note.textContent = `Downloaded ${filename}.`;
  } catch (err) {
    note.textContent = "";
    handleFailure(err);
  }
}

function showSignIn() {
  show("sign-in");
  $("dev-sign-in").hidden = session?.mode !== "dev";
  $("entra-sign-in").hidden = session?.mode !== "entra";
}

function wire() {
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
    status("Signed out.");
    showSignIn();
  };
  $("sign-out").addEventListener("click", signOut);
  $("not-admin-sign-out").addEventListener("click", signOut);
  $("entra-sign-in-button").addEventListener("click", () => session.signIn().catch(handleFailure));
  $("dev-sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("user-name").value.trim();
    const email = $("user-email").value.trim();
    const problem = $("dev-sign-in-error");
    problem.hidden = Boolean(name && email.includes("@"));
    problem.textContent = problem.hidden ? "" : "Give a name and an email address.";
    if (!problem.hidden) return;
    try {
      await session.signIn({ name, email, admin: $("user-admin").checked });
      await load(rangeFromSearch(location.search));
    } catch (err) {
      problem.hidden = false;
      problem.textContent = err.message;
    }
  });
}

async function loadMsal() {
  await import("../vendor/msal-browser.min.js");
  return globalThis.msal;
}

async function start() {
  wire();
  const config = await client.json("/addin/config.json", { auth: false });
  session = config.auth_mode === "entra"
    ? await createEntraSession({ msal: await loadMsal(), config, origin: location.origin })
    : createDevSession({ client });
  client.useTokens(session);
  if (!session.user()) {
    status("Sign in to see usage.");
    showSignIn();
    return;
  }
  await load(rangeFromSearch(location.search));
}

// Never run inside a frame: the page is not meant to be framed (and refuses it), so a frame is not ours.
if (window.top === window.self) {
  start().catch((err) => {
    status("");
    showError(err);
  });
}
