// The preview page's entry point: signs in (dev mode), runs a job on the stand-in document, streams the
// result, and puts it back. The pane logic talks only to `host` and api.js, so the Office hosts can reuse it.
import { ApiError, apiFetch, setTokenProvider, streamJob } from "./api.js";
import { createDevTokenProvider, rememberUser, rememberedUser } from "./auth.js";
import { PreviewHost } from "./hosts/preview.js";
import { createTextSink, renderDetails, showError, showProgress } from "./ui.js";

const $ = (id) => document.getElementById(id);
const ui = {
  signIn: $("sign-in"), name: $("user-name"), email: $("user-email"),
  signedIn: $("signed-in"), signedInAs: $("signed-in-as"), signOut: $("sign-out"),
  form: $("job-form"), preset: $("rewrite-preset"), language: $("rewrite-language"), languageField: $("rewrite-language-field"), run: $("run"), stop: $("stop"), use: $("use"),
  status: $("status-text"), progressRow: $("progress-row"), progress: $("progress"), progressLabel: $("progress-label"),
  error: $("error"), errorMessage: $("error-message"), errorRequestRow: $("error-request-row"), errorRequestId: $("error-request-id"),
  output: $("output"), details: $("details"),
};

const host = new PreviewHost($("doc"));
const tokens = createDevTokenProvider({ getUser: rememberedUser });
setTokenProvider(tokens);

const JOB_PATHS = { rewrite: "/api/v1/rewrite", summarize: "/api/v1/summarize", draft: "/api/v1/draft", review: "/api/v1/review" };
const STREAMS_TEXT = new Set(["rewrite", "summarize", "draft"]); // review's findings arrive whole in `result`

let running = null;     // {controller, job}
let lastResult = null;  // {job, text}
const sink = createTextSink(ui.output);

function selectedJob() {
  return ui.form.elements.job.value;
}

function showJobOptions() {
  const job = selectedJob();
  for (const panel of document.querySelectorAll(".job-options")) panel.hidden = panel.dataset.job !== job;
}

function setStatus(text) {
  ui.status.textContent = text;
}

function clearError() {
  ui.error.hidden = true;
  ui.errorMessage.textContent = "";
  ui.errorRequestId.textContent = "";
}

function fail(err) {
  showError(ui.error, ui.errorMessage, ui.errorRequestRow, ui.errorRequestId, err);
}

// ---- sign-in (dev mode) ----

function showSignedIn(user) {
  ui.signIn.hidden = !!user;
  ui.signedIn.hidden = !user;
  ui.signedInAs.textContent = user ? `Signed in as ${user.name} (${user.email})` : "";
}

async function signIn(event) {
  event.preventDefault();
  clearError();
  const user = { name: ui.name.value.trim(), email: ui.email.value.trim() };
  if (!user.name) return invalid(ui.name, "Enter your name.");
  if (!/^[^@\s]+@[^@\s]+$/.test(user.email)) return invalid(ui.email, "Enter an email address such as ada@example.gov.");
  rememberUser(user);
  tokens.invalidate();
  try {
    await tokens.getToken();
  } catch (err) {
    rememberUser(null);
    fail(err);
    return;
  }
  showSignedIn(user);
  setStatus(`Signed in as ${user.name}.`);
  loadPresets();
}

function invalid(input, message) {
  input.setAttribute("aria-invalid", "true");
  fail(new ApiError({ error: "invalid_request", message }));
  input.focus();
}

function signOut() {
  rememberUser(null);
  tokens.invalidate();
  showSignedIn(null);
  ui.name.focus();
}

async function loadPresets() {
  try {
    const answer = await apiFetch("/api/v1/presets");
    fillPresets(Array.isArray(answer?.presets) ? answer.presets : []);
  } catch (err) {
    setStatus("Presets could not be loaded; the other options still work.");
    if (!(err instanceof ApiError)) throw err;
  }
}

// Tones and lengths have their own menus; the preset menu offers rewrite presets (proofread, translate, an
// admin's own) and any tone or length an admin added beyond the built-in ones.
const BUILT_IN = /^(tone\.(formal|neutral|friendly|concise|plain)|length\.(shorter|same|longer))$/;
const GROUP_LABELS = { rewrite: "Tasks", tone: "Tones", length: "Lengths" };
const presetsById = new Map();

/** Bilingual preset text {en, fr} in the browser's language, English otherwise. */
function localized(value) {
  if (typeof value === "string") return value;
  if (!value || typeof value !== "object") return "";
  const language = (navigator.language || "en").slice(0, 2).toLowerCase();
  return String(value[language] ?? value.en ?? Object.values(value)[0] ?? "");
}

function fillPresets(presets) {
  const keep = ui.preset.value;
  presetsById.clear();
  const groups = new Map();
  for (const preset of presets) {
    if (typeof preset?.id !== "string" || !(preset.kind in GROUP_LABELS) || BUILT_IN.test(preset.id)) continue;
    presetsById.set(preset.id, preset);
    const option = new Option(localized(preset.label) || preset.id, preset.id);
    const description = localized(preset.description);
    if (description) option.title = description;
    if (!groups.has(preset.kind)) groups.set(preset.kind, []);
    groups.get(preset.kind).push(option);
  }
  ui.preset.replaceChildren(new Option("None", ""));
  for (const [kind, options] of groups) {
    const optgroup = document.createElement("optgroup");
    optgroup.label = GROUP_LABELS[kind];
    optgroup.append(...options);
    ui.preset.append(optgroup);
  }
  ui.preset.value = presetsById.has(keep) ? keep : "";
  showLanguageField();
}

function showLanguageField() {
  const needs = !!presetsById.get(ui.preset.value)?.needs_language;
  ui.languageField.hidden = !needs;
  ui.language.required = needs;
}

// ---- running a job ----

function optional(body, key, value) {
  const text = typeof value === "string" ? value.trim() : value;
  if (text !== "" && text !== undefined && text !== null) body[key] = text;
  return body;
}

async function buildRequest(job) {
  const f = ui.form.elements;
  if (job === "draft") {
    const instruction = $("draft-instruction").value.trim();
    if (!instruction) throw new ApiError({ error: "invalid_request", message: "Say what to write first." });
    const body = { instruction, kind: $("draft-kind").value };
    optional(body, "context", await host.getSelection());
    return { body, scope: "cursor" };
  }
  const { text, scope } = await host.getSelectionOrBody();
  if (!text.trim()) throw new ApiError({ error: "invalid_request", message: "The document is empty: type or paste some text first." });
  const body = { text };
  if (job === "rewrite") {
    optional(body, "preset", $("rewrite-preset").value);
    optional(body, "tone", $("rewrite-tone").value);
    optional(body, "length", $("rewrite-length").value);
    optional(body, "instruction", $("rewrite-instruction").value);
    if (!ui.languageField.hidden) {
      if (!ui.language.value.trim()) throw new ApiError({ error: "invalid_request", message: "Say which language to translate into." });
      body.language = ui.language.value.trim();
    }
  } else if (job === "summarize") {
    body.format = $("summarize-format").value;
  } else if (job === "review") {
    body.aspects = [...f.aspects].filter((box) => box.checked).map((box) => box.value);
    if (!body.aspects.length) throw new ApiError({ error: "invalid_request", message: "Choose at least one thing to look at." });
    optional(body, "context", $("review-context").value);
  }
  return { body, scope };
}

function resultText(job, result) {
  if (job === "summarize") return String(result.summary ?? "");
  if (job === "review") {
    const count = Array.isArray(result.findings) ? result.findings.length : 0;
    return count ? `${count} finding${count === 1 ? "" : "s"} below.` : "";
  }
  return String(result.text ?? "");
}

async function run(event) {
  event?.preventDefault();
  if (running) return;
  clearError();
  if (!rememberedUser()) {
    fail(new ApiError({ error: "sign_in_required", message: "Sign in first: enter your name and email." }));
    ui.name.focus();
    return;
  }
  const job = selectedJob();
  let request;
  try {
    request = await buildRequest(job);
  } catch (err) {
    fail(err);
    return;
  }

  const controller = new AbortController();
  running = { controller, job };
  lastResult = null;
  setBusy(true);
  sink.set("");
  ui.details.replaceChildren();
  ui.progressRow.hidden = true;
  const where = { selection: "the selection", body: "the whole document", cursor: "the cursor" }[request.scope];
  setStatus(`${job[0].toUpperCase()}${job.slice(1)} running on ${where}…`);

  try {
    const result = await streamJob(JOB_PATHS[job], request.body, {
      signal: controller.signal,
      onEvent(name, data) {
        if (name === "progress") showProgress(ui.progressRow, ui.progress, ui.progressLabel, data);
        else if (name === "delta" && STREAMS_TEXT.has(job) && typeof data?.text === "string") sink.append(data.text);
      },
    });
    // The final result is the cleaned text (preamble and fences removed), so it replaces what streamed.
    const text = resultText(job, result);
    sink.set(text);
    renderDetails(ui.details, job, result);
    lastResult = job === "review" ? null : { job, text };
    setStatus("Done.");
  } catch (err) {
    if (err?.name === "AbortError") {
      setStatus("Stopped. Nothing was changed in the document.");
    } else {
      setStatus("");
      fail(err instanceof ApiError ? err : new ApiError({ error: "client_error", message: String(err?.message ?? err) }));
      if (!(err instanceof ApiError)) console.error(err);
    }
  } finally {
    running = null;
    ui.progressRow.hidden = true;
    setBusy(false);
  }
}

function setBusy(busy) {
  ui.run.disabled = busy;
  ui.stop.disabled = !busy;
  ui.use.disabled = busy || !lastResult || !lastResult.text;
  ui.output.setAttribute("aria-busy", String(busy));
  if (busy) ui.stop.focus();
  else if (document.activeElement === ui.stop || document.activeElement === document.body) ui.run.focus();
}

function stop() {
  running?.controller.abort();
}

async function useResult() {
  if (!lastResult?.text) return;
  clearError();
  try {
    // A rewrite replaces what it was made from; a summary or draft is added at the cursor.
    if (lastResult.job === "rewrite") await host.replaceSelection(lastResult.text);
    else await host.insertAtCursor(lastResult.text);
    setStatus("Put into the document.");
  } catch (err) {
    fail(err);
  }
}

// ---- wiring ----

ui.signIn.addEventListener("submit", signIn);
ui.signOut.addEventListener("click", signOut);
ui.form.addEventListener("change", (event) => {
  if (event.target.name === "job") showJobOptions();
});
ui.form.addEventListener("submit", run);
ui.preset.addEventListener("change", showLanguageField);
ui.stop.addEventListener("click", stop);
ui.use.addEventListener("click", useResult);
for (const input of [ui.name, ui.email]) input.addEventListener("input", () => input.removeAttribute("aria-invalid"));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && running) stop();
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !running) run(event);
});

showJobOptions();
const user = rememberedUser();
if (user) {
  ui.name.value = user.name;
  ui.email.value = user.email;
  showSignedIn(user);
  loadPresets();
} else {
  showSignedIn(null);
}
