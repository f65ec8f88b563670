// Drawing results in the pane. Model and document text only ever go in through textContent (never HTML).
// Labels come from `t` (addin/i18n.js), English by default.
import { createI18n } from "./i18n.js";

const ENGLISH = createI18n("en").t;

/** Create an element with optional class and text. */
export function el(tag, { className, text } = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const child of children) if (child) node.appendChild(child);
  return node;
}

/** Batches streamed text into one textContent write per animation frame, so long streams stay smooth. */
export function createTextSink(target) {
  let text = "";
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    target.textContent = text;
  };
  return {
    append(more) {
      text += more;
      if (!scheduled) {
        scheduled = true;
        requestAnimationFrame(flush);
      }
    },
    set(value) {
      text = value;
      flush();
    },
    get text() { return text; },
  };
}

/**
 * The result's details below the text: summary points, review findings, rewrite checks. `onCite(id)`, when
 * given, makes each source of a summary point a chip (a button) that selects that paragraph in the document;
 * without it the chips are plain labels, and `citeReason` says under the points why they cannot be clicked.
 */
export function renderDetails(container, job, result, t = ENGLISH, { onCite, citeReason = "" } = {}) {
  container.replaceChildren();
  if (!result || typeof result !== "object") return;
  if (job === "summarize") container.append(...summaryDetails(result, t, onCite, citeReason));
  if (job === "review") container.append(...reviewDetails(result, t));
  if (job === "rewrite" || job === "proofread") container.append(...changeDetails(result.changes, t));
  if (job !== "review") container.append(...checkDetails(result.checks, t));
  if (result.model) container.append(el("p", { className: "hint", text: t("details.model", { model: result.model }) }));
}

/** A paragraph source id as the chip shows it: "p12" -> "¶ 12"; others (attachments, "a1.p3") as they are. */
export function citationLabel(id) {
  const match = /^p(\d+)$/.exec(String(id));
  return match ? `¶ ${match[1]}` : String(id);
}

function citationChips(sources, t, onCite) {
  const row = el("span", { className: "sources" });
  for (const id of sources) {
    const paragraph = /^p(\d+)$/.exec(String(id));
    if (onCite && paragraph) {
      const chip = el("button", { className: "chip", text: citationLabel(id) });
      chip.type = "button";
      chip.dataset.source = String(id);
      chip.setAttribute("aria-label", t("details.cite", { n: paragraph[1] }));
      chip.addEventListener("click", () => onCite(String(id)));
      row.append(chip);
    } else {
      const label = el("span", { className: "chip static", text: citationLabel(id) });
      if (!paragraph) label.title = t("details.citeAttachment", { id });
      row.append(label);
    }
  }
  return row;
}

function summaryDetails(result, t, onCite, citeReason) {
  const blocks = [];
  const points = Array.isArray(result.points) ? result.points : [];
  const paragraphCited = points.some((point) => Array.isArray(point.sources) && point.sources.some((id) => /^p\d+$/.test(String(id))));
  if (points.length) {
    const list = el("ol");
    for (const point of points) {
      const item = el("li", { text: String(point.text ?? "") });
      const sources = Array.isArray(point.sources) ? point.sources : [];
      if (sources.length) {
        item.append(el("br"), citationChips(sources, t, onCite));
      }
      list.append(item);
    }
    blocks.push(el("div", { className: "details-block" }, el("h4", { text: t("details.points") }), list));
    if (!onCite && citeReason && paragraphCited) blocks.push(el("p", { className: "hint", text: citeReason }));
  }
  if (result.chunks !== undefined) {
    const chunks = typeof result.chunks === "number" ? result.chunks : Array.isArray(result.chunks) ? result.chunks.length : null;
    if (chunks !== null) blocks.push(el("p", { className: "hint", text: chunks === 1 ? t("details.onePart") : t("details.parts", { count: chunks }) }));
  }
  return blocks;
}

function reviewDetails(result, t) {
  const findings = Array.isArray(result.findings) ? result.findings : [];
  if (!findings.length) return [el("p", { text: t("details.noFindings") })];
  const list = el("ul");
  for (const finding of findings) {
    const item = el("li", {}, el("span", { className: "finding-aspect", text: String(finding.aspect ?? t("details.note")) }));
    if (finding.quote) item.append(el("span", { text: " — " }), el("span", { className: "finding-quote", text: `“${finding.quote}”` }));
    if (finding.comment) item.append(el("div", { text: String(finding.comment) }));
    if (finding.suggestion) item.append(el("div", { text: t("details.suggestion", { suggestion: finding.suggestion }) }));
    list.append(item);
  }
  return [el("div", { className: "details-block" }, el("h4", { text: t("details.findings", { count: findings.length }) }), list)];
}

// Proofread lists what it corrected: {before, after, reason}.
function changeDetails(changes, t) {
  if (!Array.isArray(changes)) return [];
  if (!changes.length) return [el("p", { text: t("details.noCorrections") })];
  const list = el("ul");
  for (const change of changes) {
    const item = el("li", { text: `“${change.before ?? ""}” → “${change.after ?? ""}”` });
    if (change.reason) item.append(el("div", { className: "sources", text: String(change.reason) }));
    list.append(item);
  }
  return [el("div", { className: "details-block" }, el("h4", { text: t("details.corrections", { count: changes.length }) }), list)];
}

function factList(facts) {
  const list = el("ul");
  for (const fact of facts) list.append(el("li", { text: describeFact(fact) }));
  return list;
}

// The post-checks in plain words: facts that went missing, figures the model added, grade level before and after.
function checkDetails(checks, t) {
  if (!checks || typeof checks !== "object") return [];
  const blocks = [];
  const facts = checks.facts && typeof checks.facts === "object" ? checks.facts : null;
  const missing = Array.isArray(facts?.missing) ? facts.missing : null;
  const added = Array.isArray(facts?.added) ? facts.added : [];
  if (missing?.length) {
    blocks.push(el("div", { className: "details-block warning" }, el("h4", { text: t("details.missing") }), factList(missing)));
  } else if (missing) {
    blocks.push(el("p", { className: "hint", text: t("details.factsKept") }));
  }
  if (added.length) {
    blocks.push(el("div", { className: "details-block warning" }, el("h4", { text: t("details.added") }), factList(added)));
  }
  const readability = checks.readability;
  if (readability && typeof readability === "object") {
    const after = gradeOf(readability.after);
    const before = gradeOf(readability.before);
    const lines = [];
    if (after !== null && before !== null) lines.push(t("details.grade", { before, after }));
    else if (after !== null) lines.push(t("details.gradeOnly", { after }));
    const formula = readability.formula || readability.before?.formula;
    if (lines.length && formula) lines.push(t("details.formulaNote", { formula }));
    if (lines.length) {
      blocks.push(el("div", { className: "details-block" }, el("h4", { text: t("details.readability") }),
        el("p", { className: "grade", text: lines.join(" ") })));
    }
  }
  if (checks.truncated) blocks.push(el("p", { className: "details-block warning", text: t("details.truncated") }));
  return blocks;
}

function describeFact(fact) {
  if (typeof fact === "string") return fact;
  if (fact && typeof fact === "object") {
    const text = fact.text ?? fact.value ?? JSON.stringify(fact);
    return fact.kind ? `${text} (${fact.kind})` : String(text);
  }
  return String(fact);
}

function gradeOf(value) {
  const number = typeof value === "number" ? value : value?.grade ?? value?.score ?? value?.value;
  return typeof number === "number" && Number.isFinite(number) ? number.toFixed(1) : null;
}

/** A progress stage in plain words: map, reduce and final are the long summary's stages. */
export function stageName(stage, t = ENGLISH) {
  const key = `stage.${stage}`;
  if (typeof stage === "string" && STAGES.has(stage)) return t(key);
  return typeof stage === "string" && stage ? stage : t("progress.working");
}
const STAGES = new Set(["map", "reduce", "final", "review"]);

/** Show a progress event {stage, done, total} as "Reading the parts: 3 of 40 done" on a <progress>. */
export function showProgress(row, bar, label, data, t = ENGLISH) {
  row.hidden = false;
  const done = Number(data?.done) || 0;
  const total = Number(data?.total) || 0;
  const stage = stageName(data?.stage, t);
  if (total > 0) {
    bar.max = total;
    bar.value = Math.min(done, total);
    label.textContent = t("progress.count", { stage, done: Math.min(done, total), total });
  } else {
    bar.removeAttribute("value"); // indeterminate
    label.textContent = stage;
  }
}

/** "Try again in 40 seconds." / "... in 3 minutes." / "... in 5 hours." for a Retry-After in seconds. */
export function retryText(seconds, t = ENGLISH) {
  const wait = Math.ceil(Number(seconds));
  if (!Number.isFinite(wait) || wait <= 0) return "";
  if (wait === 1) return t("error.retryAfterOne");
  if (wait <= 90) return t("error.retryAfter", { seconds: wait });
  if (wait <= 90 * 60) return t("error.retryAfterMinutes", { minutes: Math.ceil(wait / 60) });
  return t("error.retryAfterHours", { hours: Math.ceil(wait / 3600) });
}

/** Lines of text as one <p> each, as text; no lines empties the container. */
export function showLines(container, lines) {
  container.replaceChildren(...lines.map((line) => el("p", { text: line })));
}

/** An error in plain words with the request id to quote. */
export function showError(box, messageNode, requestRow, requestNode, err, t = ENGLISH) {
  let message = err?.message || t("error.generic");
  if (err?.retryAfter) message += ` ${retryText(err.retryAfter, t)}`;
  messageNode.textContent = message;
  requestNode.textContent = err?.requestId || "";
  requestRow.hidden = !err?.requestId;
  box.hidden = false;
}
