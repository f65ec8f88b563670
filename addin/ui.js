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

/** The result's details below the text: summary points, review findings, rewrite checks. */
export function renderDetails(container, job, result, t = ENGLISH) {
  container.replaceChildren();
  if (!result || typeof result !== "object") return;
  if (job === "summarize") container.append(...summaryDetails(result, t));
  if (job === "review") container.append(...reviewDetails(result, t));
  if (job === "rewrite") container.append(...changeDetails(result.changes, t));
  if (job === "rewrite" || job === "draft") container.append(...checkDetails(result.checks, t));
  if (result.model) container.append(el("p", { className: "hint", text: t("details.model", { model: result.model }) }));
}

function summaryDetails(result, t) {
  const blocks = [];
  const points = Array.isArray(result.points) ? result.points : [];
  if (points.length) {
    const list = el("ol");
    for (const point of points) {
      const item = el("li", { text: String(point.text ?? "") });
      const sources = Array.isArray(point.sources) ? point.sources : [];
      if (sources.length) {
        item.append(el("br"), el("span", { className: "sources", text: t("details.sources", { sources: sources.join(", ") }) }));
      }
      list.append(item);
    }
    blocks.push(el("div", { className: "details-block" }, el("h4", { text: t("details.points") }), list));
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

function checkDetails(checks, t) {
  if (!checks || typeof checks !== "object") return [];
  const blocks = [];
  const missing = Array.isArray(checks.facts?.missing) ? checks.facts.missing : [];
  if (missing.length) {
    const list = el("ul");
    for (const fact of missing) list.append(el("li", { text: describeFact(fact) }));
    blocks.push(el("div", { className: "details-block warning" },
      el("h4", { text: t("details.missing") }), list));
  } else if (checks.facts) {
    blocks.push(el("p", { className: "hint", text: t("details.factsKept") }));
  }
  const readability = checks.readability;
  if (readability && typeof readability === "object") {
    const dl = el("dl", { className: "readability" });
    for (const [label, key] of [[t("details.gradeBefore"), "before"], [t("details.gradeAfter"), "after"]]) {
      if (readability[key] === undefined || readability[key] === null) continue;
      dl.append(el("dt", { text: label }), el("dd", { text: describeGrade(readability[key]) }));
    }
    const formula = readability.formula || readability.before?.formula;
    if (formula) dl.append(el("dt", { text: t("details.formula") }), el("dd", { text: String(formula) }));
    if (dl.childElementCount) blocks.push(el("div", { className: "details-block" }, el("h4", { text: t("details.readability") }), dl));
  }
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

function describeGrade(value) {
  const number = typeof value === "number" ? value : value?.grade ?? value?.score ?? value?.value;
  return typeof number === "number" ? number.toFixed(1) : String(number ?? "—");
}

/** Show a progress event {stage, done, total} as "stage: done/total" on a <progress>. */
export function showProgress(row, bar, label, data, t = ENGLISH) {
  row.hidden = false;
  const done = Number(data?.done) || 0;
  const total = Number(data?.total) || 0;
  if (total > 0) {
    bar.max = total;
    bar.value = Math.min(done, total);
    label.textContent = `${data?.stage ?? t("progress.working")}: ${done}/${total}`;
  } else {
    bar.removeAttribute("value"); // indeterminate
    label.textContent = String(data?.stage ?? t("progress.working"));
  }
}

/** An error in plain words with the request id to quote. */
export function showError(box, messageNode, requestRow, requestNode, err, t = ENGLISH) {
  let message = err?.message || t("error.generic");
  if (err?.retryAfter) message += ` ${t("error.retryAfter", { seconds: Math.ceil(err.retryAfter) })}`;
  messageNode.textContent = message;
  requestNode.textContent = err?.requestId || "";
  requestRow.hidden = !err?.requestId;
  box.hidden = false;
}
