// Drawing results in the pane. Model and document text only ever go in through textContent (never HTML).

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
export function renderDetails(container, job, result) {
  container.replaceChildren();
  if (!result || typeof result !== "object") return;
  if (job === "summarize") container.append(...summaryDetails(result));
  if (job === "review") container.append(...reviewDetails(result));
  if (job === "rewrite") container.append(...changeDetails(result.changes));
  if (job === "rewrite" || job === "draft") container.append(...checkDetails(result.checks));
  if (result.model) container.append(el("p", { className: "hint", text: `Model: ${result.model}` }));
}

function summaryDetails(result) {
  const blocks = [];
  const points = Array.isArray(result.points) ? result.points : [];
  if (points.length) {
    const list = el("ol");
    for (const point of points) {
      const item = el("li", { text: String(point.text ?? "") });
      const sources = Array.isArray(point.sources) ? point.sources : [];
      if (sources.length) {
        item.append(el("br"), el("span", { className: "sources", text: `Sources: ${sources.join(", ")}` }));
      }
      list.append(item);
    }
    blocks.push(el("div", { className: "details-block" }, el("h4", { text: "Points and their source paragraphs" }), list));
  }
  if (result.chunks !== undefined) {
    const chunks = typeof result.chunks === "number" ? result.chunks : Array.isArray(result.chunks) ? result.chunks.length : null;
    if (chunks !== null) blocks.push(el("p", { className: "hint", text: `Read in ${chunks} part${chunks === 1 ? "" : "s"}.` }));
  }
  return blocks;
}

function reviewDetails(result) {
  const findings = Array.isArray(result.findings) ? result.findings : [];
  if (!findings.length) return [el("p", { text: "No findings: nothing to change on the aspects checked." })];
  const list = el("ul");
  for (const finding of findings) {
    const item = el("li", {}, el("span", { className: "finding-aspect", text: String(finding.aspect ?? "note") }));
    if (finding.quote) item.append(el("span", { text: " — " }), el("span", { className: "finding-quote", text: `“${finding.quote}”` }));
    if (finding.comment) item.append(el("div", { text: String(finding.comment) }));
    if (finding.suggestion) item.append(el("div", { text: `Suggestion: ${finding.suggestion}` }));
    list.append(item);
  }
  return [el("div", { className: "details-block" }, el("h4", { text: `Findings (${findings.length})` }), list)];
}

// Proofread lists what it corrected: {before, after, reason}.
function changeDetails(changes) {
  if (!Array.isArray(changes)) return [];
  if (!changes.length) return [el("p", { text: "No corrections were needed." })];
  const list = el("ul");
  for (const change of changes) {
    const item = el("li", { text: `“${change.before ?? ""}” → “${change.after ?? ""}”` });
    if (change.reason) item.append(el("div", { className: "sources", text: String(change.reason) }));
    list.append(item);
  }
  return [el("div", { className: "details-block" }, el("h4", { text: `Corrections (${changes.length})` }), list)];
}

function checkDetails(checks) {
  if (!checks || typeof checks !== "object") return [];
  const blocks = [];
  const missing = Array.isArray(checks.facts?.missing) ? checks.facts.missing : [];
  if (missing.length) {
    const list = el("ul");
    for (const fact of missing) list.append(el("li", { text: describeFact(fact) }));
    blocks.push(el("div", { className: "details-block warning" },
      el("h4", { text: "In the original but not in the result — check before using it" }), list));
  } else if (checks.facts) {
    blocks.push(el("p", { className: "hint", text: "Every number, date, name and negation of the original is still there." }));
  }
  const readability = checks.readability;
  if (readability && typeof readability === "object") {
    const dl = el("dl", { className: "readability" });
    for (const [label, key] of [["Grade level before", "before"], ["Grade level after", "after"]]) {
      if (readability[key] === undefined || readability[key] === null) continue;
      dl.append(el("dt", { text: label }), el("dd", { text: describeGrade(readability[key]) }));
    }
    const formula = readability.formula || readability.before?.formula;
    if (formula) dl.append(el("dt", { text: "Formula" }), el("dd", { text: String(formula) }));
    if (dl.childElementCount) blocks.push(el("div", { className: "details-block" }, el("h4", { text: "Readability" }), dl));
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
export function showProgress(row, bar, label, data) {
  row.hidden = false;
  const done = Number(data?.done) || 0;
  const total = Number(data?.total) || 0;
  if (total > 0) {
    bar.max = total;
    bar.value = Math.min(done, total);
    label.textContent = `${data?.stage ?? "working"}: ${done}/${total}`;
  } else {
    bar.removeAttribute("value"); // indeterminate
    label.textContent = String(data?.stage ?? "working");
  }
}

/** An error in plain words with the request id to quote. */
export function showError(box, messageNode, requestRow, requestNode, err) {
  let message = err?.message || "Something went wrong.";
  if (err?.retryAfter) message += ` Try again in ${Math.ceil(err.retryAfter)} seconds.`;
  messageNode.textContent = message;
  requestNode.textContent = err?.requestId || "";
  requestRow.hidden = !err?.requestId;
  box.hidden = false;
}
