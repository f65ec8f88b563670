// The assistant pane: sign-in, the job form, streaming, Stop, the result (changes, checks, citations), Apply as,
// Undo, Refine, errors. It talks only to `host` (the
// document: preview, Word or Outlook) and to the service through api.js, so every page reuses it.
//
// createPane({host, root, auth, i18n}):
//   host  see hosts/host.js: getSelectionOrBody(), getSelection(), applyResult(text, {as}), canUndo(),
//         undoLastApply(), selectParagraph(id), capabilities(); an older host with only replaceSelection and
//         insertAtCursor gets Replace and Insert below (apply.js)
//   root  the document (or an element) holding the pane's markup (ids as in preview.html)
//   auth  a sign-in from auth.js: {mode, tokens, currentUser(), signIn(user?), signOut()}
//   i18n  createI18n(...) from i18n.js
import { ApiError, apiFetch, hostNameOf, setHostName, setTokenProvider, streamJob } from "./api.js";
import { APPLY_OPTIONS, applyResult, canUndo, capabilitiesOf } from "./apply.js";
import { diffWords, renderDiff } from "./diff.js";
import { PRESET_JOBS, coachMaterial, insertDraft, jobsFor, openReply, replyContext, summaryRequest } from "./flows.js";
import { describeGuard } from "./guard_notice.js";
import { PROPERTY } from "./hosts/provenance.js";
import { pickLanguage } from "./i18n.js";
import { defaultTarget, fillLanguages } from "./languages.js";
import { stampAfterApply, unstampAfterUndo } from "./provenance.js";
import { fetchQuota, quotaLines } from "./quota.js";
import { createTextSink, renderDetails, showError, showLines, showProgress } from "./ui.js";

const JOB_PATHS = { rewrite: "/api/v1/rewrite", proofread: "/api/v1/rewrite", translate: "/api/v1/rewrite",
  summarize: "/api/v1/summarize", draft: "/api/v1/draft", review: "/api/v1/review", reply: "/api/v1/draft" };
// review's findings arrive whole in `result`
const STREAMS_TEXT = new Set(["rewrite", "proofread", "translate", "summarize", "draft", "reply"]);
const SHOWS_CHANGES = new Set(["rewrite", "proofread"]);  // a word-level diff of the original (not of a translation)
// Tones and lengths have their own menus; the preset menu offers rewrite presets (proofread, translate, an
// admin's own) and any tone or length an admin added beyond the built-in ones.
const BUILT_IN = /^(tone\.(formal|neutral|friendly|concise|plain)|length\.(shorter|same|longer))$/;
const PRESET_KINDS = new Set(["rewrite", "tone", "length"]);
// Errors the pane itself (or its sign-in) raises have a translated message; the service's own are shown as sent.
// Refine resends the job with the follow-up in this field (draft's instruction is the task itself: no refine).
const REFINE_FIELD = { rewrite: "instruction", proofread: "instruction", translate: "instruction", summarize: "focus" };
const MAX_HISTORY_TURNS = 20; // server/assist/schemas.py
// The first user turn when the original request had no instruction of its own (the model reads it).
const NO_INSTRUCTION = "Do the task above with the settings given.";
const CLIENT_ERRORS = new Set(["sign_in_required", "sign_in_failed", "sign_in_cancelled", "not_dev_mode", "network_error",
  "stream_cut", "bad_response"]);
// The service's error codes (DESIGN.md's status list) that have a sentence of their own in i18n.js (error.service.*).
export const SERVICE_ERRORS = new Set(["invalid_request", "unauthorized", "interaction_required", "forbidden", "blocked_by_policy",
  "too_large", "unsupported_type", "unreadable_document", "upstream_error", "upstream_timeout", "unavailable",
  "store_unavailable", "internal_error", "not_found"]);

/** Bilingual preset text {en, fr} in `language`, English otherwise. */
export function localized(value, language) {
  if (typeof value === "string") return value;
  if (!value || typeof value !== "object") return "";
  return String(value[language] ?? value.en ?? Object.values(value)[0] ?? "");
}

/**
 * The plain-words message of an error, in the pane's language. The service writes its messages in English:
 * an English pane shows them as sent; a French one leads with the French sentence for the error's code, then
 * the service's words (they name the field, the marking, the size).
 */
export function errorMessage(err, t, mode, language = "en") {
  const code = err?.error;
  if (code === "sign_in_required" && mode === "dev") return t("error.sign_in_required.dev");
  // A usage limit: said plainly in the pane's language, then the service's own words (which limit, until when).
  if (code === "rate_limited") return [t("error.rate_limited"), err.message].filter(Boolean).join(" ");
  if (CLIENT_ERRORS.has(code)) return t(`error.${code}`) + (err.detail ? ` (${err.detail})` : "");
  if (code === "http_error") return t("error.http_error", { status: err.status ?? "?" });
  const message = String(err?.message || "");
  if (language !== "en" && SERVICE_ERRORS.has(code)) return [t(`error.service.${code}`), message].filter(Boolean).join(" ");
  return message || t("error.generic");
}

export function createPane({ host, root = document, auth, i18n }) {
  const { t } = i18n;
  const $ = (id) => root.querySelector(`#${id}`);
  const ui = {
    signIn: $("sign-in"), devFields: $("dev-fields"), signInLegend: $("sign-in-legend"), signInHint: $("sign-in-hint"),
    name: $("user-name"), email: $("user-email"),
    signedIn: $("signed-in"), signedInAs: $("signed-in-as"), signOut: $("sign-out"),
    form: $("job-form"), preset: $("rewrite-preset"), language: $("rewrite-language"), languageField: $("rewrite-language-field"),
    translateLanguage: $("translate-language"),
    run: $("run"), stop: $("stop"), undo: $("undo"), undoReason: $("undo-reason"),
    viewToggle: $("view-toggle"), showChanges: $("show-changes"), showResult: $("show-result"), diff: $("diff"), diffNote: $("diff-note"),
    refineForm: $("refine-form"), refineInstruction: $("refine-instruction"), refine: $("refine"),
    status: $("status-text"), progressRow: $("progress-row"), progress: $("progress"), progressLabel: $("progress-label"),
    error: $("error"), errorMessage: $("error-message"), errorRequestRow: $("error-request-row"), errorRequestId: $("error-request-id"),
    output: $("output"), details: $("details"), jobReasons: $("job-reasons"), flowNotice: $("flow-notice"),
    insertDraftOption: $("insert-draft-option"), insertDraft: $("insert-draft"), insertDraftReason: $("insert-draft-reason"),
    openReplyOption: $("open-reply-option"), openReply: $("open-reply"), openReplyReason: $("open-reply-reason"),
    quota: $("quota"), guardNotice: $("guard-notice"), resultRequest: $("result-request"), resultRequestId: $("result-request-id"),
    provenance: $("provenance-note"),
  };
  const doc = root.ownerDocument ?? root;
  // Numbers, times and lists in the user's regional format (en-GB: a 24-hour clock) when it is the pane's language.
  const userLocale = doc.defaultView?.navigator?.language;
  const locale = userLocale && pickLanguage(userLocale) === i18n.language ? userLocale : i18n.language;
  const dev = auth.mode === "dev";
  setTokenProvider(auth.tokens);
  setHostName(hostNameOf(host));

  let running = null;     // {controller, job}
  let lastResult = null;  // {job, text, requestId}
  let lastStamp = null;   // what the last apply recorded in the document (provenance.js), for its undo
  let conversation = null; // {job, body, scope, history, instruction}: what Refine resends
  let applied = false;     // an apply happened since the last undo (for hosts without canUndo)
  let appliedAs = null;    // how the last apply went in ("tracked": Word's own Reject undoes it, not Drafter)
  let stopReason = null;   // the status key to show when a job is stopped by something other than Stop
  let signingIn = null;   // the sign-in under way (entra)
  let quotaCall = 0;      // numbers /me calls, so a late answer never overwrites a newer one
  const sink = createTextSink(ui.output);
  const presetsById = new Map();
  let servicePresets = null;  // the ids of every preset the service offers, once known (null: not loaded yet)
  const applyButtons = APPLY_OPTIONS.map((option) => ({ ...option, button: $(`apply-${option.as}`), reason: $(`apply-${option.as}-reason`) }));
  let capabilities = capabilitiesOf(host, t);

  const selectedJob = () => ui.form.elements.job.value;
  // Outlook works on a message, not a document: the strings that say where have a ".message" form there.
  const outlook = String(host.kind ?? "").startsWith("outlook");
  const inMessage = (key) => (outlook && i18n.has(`${key}.message`) ? `${key}.message` : key);
  // The job's name as this host shows it (Coach, Rewrite selection, Summarize thread...).
  const jobLabelKey = (job) => jobsFor(host).find((entry) => entry.job === job)?.labelKey ?? `task.${job}`;
  const setStatus = (text) => { ui.status.textContent = text; };

  /** The host's own jobs, under its own names; a job this Office cannot do is disabled with its reason. */
  function showJobs() {
    const jobs = new Map(jobsFor(host).map((entry) => [entry.job, entry]));
    const reasons = [];
    for (const radio of ui.form.querySelectorAll('input[name="job"]')) {
      let entry = jobs.get(radio.value);
      // Proofread and Translate need their preset: an organisation's policy can remove it.
      if (entry?.available && PRESET_JOBS.has(entry.job) && servicePresets && !servicePresets.has(entry.job)) {
        entry = { ...entry, available: false, reason: t("task.presetOff") };
      }
      const label = radio.closest("label");
      label.hidden = !entry;
      radio.disabled = !entry?.available;
      if (!entry) continue;
      label.querySelector("span").textContent = t(entry.labelKey);
      if (!entry.available) reasons.push(t("task.unavailable", { job: t(entry.labelKey), reason: entry.reason }));
    }
    ui.jobReasons.textContent = reasons.join(" ");
    ui.jobReasons.hidden = !reasons.length;
    const checked = ui.form.querySelector('input[name="job"]:checked');
    if (!checked || checked.disabled || checked.closest("label").hidden) {
      const first = [...ui.form.querySelectorAll('input[name="job"]')].find((radio) => !radio.disabled && !radio.closest("label").hidden);
      if (first) first.checked = true;
    }
  }

  function showNotice(text) {
    ui.flowNotice.textContent = text;
    ui.flowNotice.hidden = !text;
  }

  function showJobOptions() {
    const job = selectedJob();
    for (const panel of root.querySelectorAll(".job-options")) panel.hidden = panel.dataset.job !== job;
  }

  function clearError() {
    ui.error.hidden = true;
    ui.errorMessage.textContent = "";
    ui.errorRequestId.textContent = "";
  }

  function fail(err) {
    const shown = { message: errorMessage(err, t, auth.mode, i18n.language), requestId: err?.requestId, retryAfter: err?.retryAfter };
    showError(ui.error, ui.errorMessage, ui.errorRequestRow, ui.errorRequestId, shown, t);
  }

  const invalidRequest = (key) => new ApiError({ error: "invalid_request", message: t(key) });

  // ---- sign-in ----

  function showSignedIn(user) {
    ui.signIn.hidden = !!user;
    ui.signedIn.hidden = !user;
    ui.signOut.hidden = !dev;  // Office's own account is used in entra mode: nothing to change here
    if (!user) ui.signedInAs.textContent = "";
    else ui.signedInAs.textContent = user.email && user.email !== user.name ? t("signIn.as", user) : t("signIn.asName", user);
  }

  function showSignInMode() {
    ui.devFields.hidden = !dev;
    ui.signInLegend.textContent = t(dev ? "signIn.devLegend" : "signIn.entraLegend");
    ui.signInHint.textContent = t(dev ? "signIn.devHint" : "signIn.entraHint");
  }

  async function signInAndShow(user) {
    const signedIn = await auth.signIn(user);
    showSignedIn(signedIn);
    setStatus(t("signIn.done", { name: signedIn.name }));
    loadPresets();
    refreshQuota();
    return signedIn;
  }

  async function signIn(event) {
    event.preventDefault();
    clearError();
    if (!dev) {
      await ensureSignedIn().catch(fail);
      return;
    }
    const user = { name: ui.name.value.trim(), email: ui.email.value.trim() };
    if (!user.name) return invalid(ui.name, "invalid.name");
    if (!/^[^@\s]+@[^@\s]+$/.test(user.email)) return invalid(ui.email, "invalid.email");
    try {
      await signInAndShow(user);
    } catch (err) {
      fail(err);
    }
  }

  /** Entra: sign in when needed (the first Run or the Sign in button), one attempt at a time. */
  function ensureSignedIn() {
    if (auth.currentUser()) return Promise.resolve(auth.currentUser());
    if (!signingIn) {
      setStatus(t("signIn.working"));
      signingIn = signInAndShow().catch((err) => {
        setStatus("");
        throw err;
      }).finally(() => { signingIn = null; });
    }
    return signingIn;
  }

  function invalid(input, key) {
    input.setAttribute("aria-invalid", "true");
    fail(invalidRequest(key));
    input.focus();
  }

  function signOut() {
    auth.signOut();
    showSignedIn(null);
    quotaCall++;  // an answer still on its way belongs to the user who left
    showQuota(null);
    ui.name.focus();
  }

  // ---- quota: what is left today, after sign-in and after every job ----

  function showQuota(quota) {
    const lines = quotaLines(quota, t, locale);
    showLines(ui.quota, lines);
    ui.quota.hidden = lines.length === 0;
  }

  async function refreshQuota() {
    const call = ++quotaCall;  // answers can cross: only the latest request's answer is shown
    const quota = await fetchQuota();
    if (call === quotaCall && quota !== undefined) showQuota(quota);  // undefined: /me failed, keep what is shown
  }

  async function loadPresets() {
    try {
      const answer = await apiFetch("/api/v1/presets");
      fillPresets(Array.isArray(answer?.presets) ? answer.presets : []);
    } catch (err) {
      setStatus(t("status.presetsFailed"));
      if (!(err instanceof ApiError)) throw err;
    }
  }

  function fillPresets(presets) {
    const keep = ui.preset.value;
    presetsById.clear();
    servicePresets = new Set(presets.map((preset) => preset?.id).filter((id) => typeof id === "string"));
    const groups = new Map();
    for (const preset of presets) {
      if (typeof preset?.id !== "string" || !PRESET_KINDS.has(preset.kind) || BUILT_IN.test(preset.id)) continue;
      if (PRESET_JOBS.has(preset.id)) continue;  // a task of its own (Proofread, Translate), not a menu entry
      presetsById.set(preset.id, preset);
      const option = new Option(localized(preset.label, i18n.language) || preset.id, preset.id);
      const description = localized(preset.description, i18n.language);
      if (description) option.title = description;
      if (!groups.has(preset.kind)) groups.set(preset.kind, []);
      groups.get(preset.kind).push(option);
    }
    ui.preset.replaceChildren(new Option(t("rewrite.presetNone"), ""));
    for (const [kind, options] of groups) {
      const optgroup = doc.createElement("optgroup");
      optgroup.label = t(`presetGroup.${kind}`);
      optgroup.append(...options);
      ui.preset.append(optgroup);
    }
    ui.preset.value = presetsById.has(keep) ? keep : "";
    showLanguageField();
    showJobs();
    showJobOptions();
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
      if (!instruction) throw invalidRequest("invalid.draft");
      const body = { instruction, kind: $("draft-kind").value };
      optional(body, "context", await host.getSelection());
      return { body, scope: "cursor" };
    }
    if (job === "reply") {
      // The thread is the context the model answers; the reply opens in Outlook, never sent by Drafter.
      const instruction = $("reply-instruction").value.trim() || t("reply.default");
      const context = await replyContext(host);
      if (!context.trim()) throw invalidRequest("invalid.empty");
      return { body: { instruction, kind: "reply", context }, scope: "body" };
    }
    if (job === "summarize") {
      const { body, scope, skipped, notice } = await summaryRequest(host);
      if (!body.document && !body.attachments && !String(body.text ?? "").trim()) throw invalidRequest("invalid.empty");
      body.format = $("summarize-format").value;
      const left = skipped.map((item) => `${item.name} (${item.reason})`).join(", ");
      return { body, scope, notice: [notice, left ? t("flow.skipped", { list: left }) : ""].filter(Boolean).join(" ") };
    }
    if (job === "review" && host.kind === "outlook-compose") {
      // Coach: the new text (or the selection) with the thread it answers as context.
      const { text, scope, thread } = await coachMaterial(host);
      if (!text.trim()) throw invalidRequest("invalid.empty");
      const aspects = [...f.aspects].filter((box) => box.checked).map((box) => box.value);
      if (!aspects.length) throw invalidRequest("invalid.aspects");
      const context = [$("review-context").value.trim(), thread].filter(Boolean).join("\n\n");
      return { body: context ? { text, aspects, context } : { text, aspects }, scope,
        notice: thread ? t("flow.threadContext") : "" };
    }
    const { text, scope } = await host.getSelectionOrBody();
    if (!text.trim()) throw invalidRequest("invalid.empty");
    const body = { text };
    if (PRESET_JOBS.has(job)) {
      body.preset = job;  // the service's "proofread" or "translate" preset
      if (job === "translate") {
        if (!ui.translateLanguage.value) throw invalidRequest("invalid.language");
        body.language = ui.translateLanguage.value;
      }
    } else if (job === "rewrite") {
      optional(body, "preset", ui.preset.value);
      optional(body, "tone", $("rewrite-tone").value);
      optional(body, "length", $("rewrite-length").value);
      optional(body, "instruction", $("rewrite-instruction").value);
      if (!ui.languageField.hidden) {
        if (!ui.language.value) throw invalidRequest("invalid.language");
        body.language = ui.language.value;
      }
    } else if (job === "review") {
      body.aspects = [...f.aspects].filter((box) => box.checked).map((box) => box.value);
      if (!body.aspects.length) throw invalidRequest("invalid.aspects");
      optional(body, "context", $("review-context").value);
    }
    return { body, scope };
  }

  function resultText(job, result) {
    if (job === "summarize") return String(result.summary ?? "");
    if (job === "review") {
      const count = Array.isArray(result.findings) ? result.findings.length : 0;
      return count === 1 ? t("result.finding") : count ? t("result.findings", { count }) : "";
    }
    return String(result.text ?? "");
  }

  async function run(event) {
    event?.preventDefault();
    if (running) return;
    clearError();
    if (dev && !auth.currentUser()) {
      fail(new ApiError({ error: "sign_in_required" }));
      ui.name.focus();
      return;
    }
    const job = selectedJob();
    let request;
    try {
      if (!dev) await ensureSignedIn();
      showNotice("");
      request = await buildRequest(job);
      showNotice(request.notice ?? "");
    } catch (err) {
      fail(err);
      return;
    }
    conversation = { job, body: request.body, scope: request.scope, history: [],
      instruction: String(request.body[REFINE_FIELD[job]] ?? "") };
    await send(job, request);
  }

  /** Send one job request and show what comes back; Run and Refine both end here. */
  async function send(job, request) {
    const controller = new AbortController();
    running = { controller, job };
    lastResult = null;
    setBusy(true);
    sink.set("");
    ui.details.replaceChildren();
    showResultInfo(null);
    showDiff(null);
    ui.progressRow.hidden = true;
    setStatus(t("status.running", { job: t(jobLabelKey(job)), where: t(inMessage(`where.${request.scope}`)) }));

    try {
      const result = await streamJob(JOB_PATHS[job], request.body, {
        signal: controller.signal,
        onEvent(name, data) {
          if (name === "progress") showProgress(ui.progressRow, ui.progress, ui.progressLabel, data, t);
          else if (name === "delta" && STREAMS_TEXT.has(job) && typeof data?.text === "string") sink.append(data.text);
        },
      });
      // The final result is the cleaned text (preamble and fences removed), so it replaces what streamed.
      const text = resultText(job, result);
      sink.set(text);
      const citations = capabilities.citations;
      renderDetails(ui.details, job, result, t, { onCite: citations.available ? cite : undefined, citeReason: citations.reason });
      showResultInfo(result);
      lastResult = job === "review" ? null : { job, text, requestId: typeof result?.request_id === "string" ? result.request_id : "" };
      if (SHOWS_CHANGES.has(job)) showDiff(diffWords(request.body.text, text), text);
      setStatus(t("status.done"));
      if (job === "reply" && text) await openReplyForm();
    } catch (err) {
      if (err?.name === "AbortError") {
        setStatus(t(stopReason ?? inMessage("status.stopped")));
      } else {
        setStatus("");
        fail(err instanceof ApiError ? err : new ApiError({ error: "client_error", message: String(err?.message ?? err) }));
        if (!(err instanceof ApiError)) console.error(err);
      }
    } finally {
      running = null;
      stopReason = null;
      ui.progressRow.hidden = true;
      setBusy(false);
      refreshQuota();  // the job used some of it, or a 429 said it is gone
    }
  }

  /** What the guard did, and the request id that ties this result to its audit record (null: clear both). */
  function showResultInfo(result) {
    showLines(ui.guardNotice, result ? describeGuard(result.guard, t, locale) : []);
    const requestId = typeof result?.request_id === "string" ? result.request_id : "";
    ui.resultRequestId.textContent = requestId;
    ui.resultRequest.hidden = !requestId;
    showProvenance(null);
  }

  function setBusy(busy) {
    ui.run.disabled = busy;
    ui.stop.disabled = !busy;
    showApply(busy);
    ui.refineForm.hidden = !lastResult?.text || !REFINE_FIELD[lastResult.job] || !conversation;
    ui.refine.disabled = busy;
    ui.output.setAttribute("aria-busy", String(busy));
    if (busy) ui.stop.focus();
    else if (doc.activeElement === ui.stop || doc.activeElement === doc.body) ui.run.focus();
  }

  function stop() {
    running?.controller.abort();
  }

  // ---- the result: changes, apply, undo, refine, citations ----

  /** The Changes view of a rewrite (null parts: no diff, or too long to compute). */
  function showDiff(parts, text) {
    const hasDiff = Array.isArray(parts);
    ui.viewToggle.hidden = !hasDiff;
    ui.diffNote.hidden = parts !== null || text === undefined;
    ui.diffNote.textContent = parts === null && text !== undefined ? t("result.diffTooLong") : "";
    if (hasDiff) renderDiff(ui.diff, parts, doc);
    else ui.diff.replaceChildren();
    showView(hasDiff ? "changes" : "result");
  }

  function showView(view) {
    const changes = view === "changes" && !ui.viewToggle.hidden;
    ui.diff.hidden = !changes;
    ui.output.hidden = changes;
    ui.showChanges.setAttribute("aria-pressed", String(changes));
    ui.showResult.setAttribute("aria-pressed", String(!changes));
  }

  /** Each Apply as button: enabled when there is a result and the host can; otherwise its reason shows. */
  function showApply(busy = !!running) {
    capabilities = capabilitiesOf(host, t);
    const ready = !busy && !!lastResult?.text;
    for (const { feature, button, reason } of applyButtons) {
      const capability = capabilities[feature];
      button.disabled = !ready || !capability.available;
      reason.textContent = capability.available ? "" : capability.reason;
      reason.hidden = capability.available;
    }
    showFlowButtons(ready);
    const undo = capabilities.undo;
    const undoable = typeof host.canUndo === "function" ? canUndo(host) : applied;
    ui.undo.disabled = busy || !undo.available || !undoable;
    // A tracked change is the user's to accept or reject in Word: said, rather than a silent grey button.
    const reason = !undo.available ? undo.reason : appliedAs === "tracked" && !undoable ? t("apply.undoTracked") : "";
    ui.undoReason.textContent = reason;
    ui.undoReason.hidden = !reason;
  }

  async function apply(as) {
    if (!lastResult?.text || running) return;
    clearError();
    try {
      await applyResult(host, lastResult.text, as);
      applied = true;
      appliedAs = as;
      setStatus(t(inMessage(`status.applied.${as}`)));
      await stamp();
    } catch (err) {
      fail(err);
    }
    showApply();
  }

  /** After an AI edit went into the document: record its request id there (Word), and say what happened. Never throws. */
  async function stamp() {
    lastStamp = await stampAfterApply(host, lastResult?.requestId);
    showProvenance(lastStamp);
  }

  /** The provenance note: stamped, removed (its edit undone), unavailable or failed, with the reason; null clears it. */
  function showProvenance(state) {
    const params = { id: state?.requestId ?? "", property: PROPERTY, reason: state?.reason ?? "" };
    ui.provenance.textContent = state ? t(`provenance.${state.state}`, params) : "";
  }

  /** Insert at the cursor for a draft, Open as a reply for a reply; each disabled with its reason when it cannot. */
  function showFlowButtons(ready) {
    const all = typeof host.capabilities === "function" ? host.capabilities() ?? {} : {};
    const flows = [
      [ui.insertDraftOption, ui.insertDraft, ui.insertDraftReason, "draft", all.insertHtml],
      [ui.openReplyOption, ui.openReply, ui.openReplyReason, "reply", all.replyForm],
    ];
    for (const [option, button, reason, job, capability] of flows) {
      const offered = jobsFor(host).some((entry) => entry.job === job);
      const available = capability ? !!capability.available : true;
      option.hidden = !offered;
      button.disabled = !ready || lastResult?.job !== job || !available;
      reason.textContent = available ? "" : String(capability.reason ?? "");
      reason.hidden = available;
    }
  }

  async function insertDraftResult() {
    if (lastResult?.job !== "draft" || running) return;
    clearError();
    try {
      await insertDraft(host, lastResult.text);
      applied = true;
      appliedAs = "insert";
      setStatus(t("status.inserted"));
      await stamp();
    } catch (err) {
      fail(err);
    }
    showApply();
  }

  async function openReplyForm() {
    if (lastResult?.job !== "reply") return;
    clearError();
    try {
      await openReply(host, lastResult.text);
      setStatus(t("status.replyOpened"));
    } catch (err) {
      fail(err);
    }
  }

  async function undo() {
    clearError();
    try {
      await host.undoLastApply();
      applied = false;
      appliedAs = null;
      setStatus(t("status.undone"));
      // The undone edit's id leaves the document too, if that edit was what put it there.
      const undone = lastStamp;
      lastStamp = null;
      showProvenance(await unstampAfterUndo(host, undone) ? { ...undone, state: "removed" } : null);
    } catch (err) {
      fail(err);
    }
    showApply();
    if (ui.undo.disabled) applyButtons[0].button.focus();
  }

  async function refine(event) {
    event?.preventDefault();
    if (running || !conversation || !lastResult?.text) return;
    clearError();
    const instruction = ui.refineInstruction.value.trim();
    if (!instruction) {
      ui.refineInstruction.setAttribute("aria-invalid", "true");
      fail(invalidRequest("invalid.refine"));
      ui.refineInstruction.focus();
      return;
    }
    const { job, body, scope } = conversation;
    // The service is stateless: earlier instructions and results go back as history, oldest dropped first.
    const history = [...conversation.history,
      { role: "user", content: conversation.instruction || NO_INSTRUCTION },
      { role: "assistant", content: lastResult.text }].slice(-MAX_HISTORY_TURNS);
    conversation = { ...conversation, history, instruction };
    ui.refineInstruction.value = "";
    await send(job, { body: { ...body, history, [REFINE_FIELD[job]]: instruction }, scope });
  }

  /**
   * Outlook, pane pinned: the user selected another message. What was read from the last one, and the result
   * made for it, no longer apply (a reply drafted for one message must never open as a reply to another).
   */
  function contextChanged() {
    if (running) {
      stopReason = "status.contextChanged";
      running.controller.abort();
    } else {
      setStatus(t("status.contextChanged"));
    }
    lastResult = null;
    conversation = null;
    lastStamp = null;
    applied = false;
    appliedAs = null;
    sink.set("");
    ui.details.replaceChildren();
    showResultInfo(null);
    showDiff(null);
    clearError();
    showNotice("");
    showJobs();
    showJobOptions();
    showApply();
    ui.refineForm.hidden = true;
  }

  async function cite(id) {
    clearError();
    try {
      await host.selectParagraph(id);
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
  for (const { as, button } of applyButtons) button.addEventListener("click", () => apply(as));
  ui.undo.addEventListener("click", undo);
  ui.insertDraft.addEventListener("click", insertDraftResult);
  ui.openReply.addEventListener("click", openReplyForm);
  ui.showChanges.addEventListener("click", () => showView("changes"));
  ui.showResult.addEventListener("click", () => showView("result"));
  ui.refineForm.addEventListener("submit", refine);
  ui.refineInstruction.addEventListener("input", () => ui.refineInstruction.removeAttribute("aria-invalid"));
  for (const input of [ui.name, ui.email]) input.addEventListener("input", () => input.removeAttribute("aria-invalid"));
  doc.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && running) stop();
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !running) run(event);
  });

  for (const select of root.querySelectorAll("select[data-languages]")) fillLanguages(select, t, defaultTarget(i18n.language));
  if (typeof host.onContextChanged === "function") {
    Promise.resolve(host.onContextChanged(contextChanged)).catch((err) => console.warn("Drafter: no message change events", err));
  }
  showSignInMode();
  showJobs();
  showJobOptions();
  showApply(false);
  const user = auth.currentUser();
  if (user) {
    if (dev) {
      ui.name.value = user.name;
      ui.email.value = user.email;
    }
    showSignedIn(user);
    loadPresets();
    refreshQuota();
  } else {
    showSignedIn(null);
  }

  return { run, stop, host };
}
