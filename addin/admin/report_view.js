// The usage report on the page: totals, then one card per chart, each with its heading, a one-line summary
// (with the heading, the chart's accessible name), a legend, and its numbers in a table.
import { dayLabel, horizontalBars, lines, stackedBars } from "./charts.js";
import { dataTable, el } from "./dom.js";

const NUMBER = new Intl.NumberFormat("en");
const ACTIONS = { rewrite: "Rewrite", summarize: "Summarize", draft: "Draft", review: "Review" };
const HOSTS = { word: "Word", outlook: "Outlook", preview: "Preview page", unknown: "Unknown host" };
const OUTCOMES = {
  blocked: "Blocked by policy", upstream_error: "Model error", cancelled: "Cancelled", rate_limited: "Rate limited",
  error: "Request error", ok: "Completed", redacted: "Redacted",
};
const USERS_SHOWN = 50;

const count = (value) => NUMBER.format(value);
const ms = (value) => `${NUMBER.format(Math.round(value))} ms`;

function nameOf(names, key) {
  return names[key] || key;
}

/** Draw `report` (GET /api/v1/admin/usage) into `root`, replacing what was there. */
export function renderReport(root, report) {
  const days = report.days.map((day) => day.day);
  const keysOf = (group) => Object.keys(report.days[0]?.[group] || {});
  const perDay = (pick) => report.days.map(pick);
  const actionSeries = keysOf("by_action").map((key) => ({ name: nameOf(ACTIONS, key), values: perDay((d) => d.by_action[key] || 0) }));
  const hostSeries = keysOf("by_host").map((key) => ({ name: nameOf(HOSTS, key), values: perDay((d) => d.by_host[key] || 0) }));
  const tokenSeries = [
    { name: "Prompt tokens", values: perDay((d) => d.prompt_tokens) },
    { name: "Completion tokens", values: perDay((d) => d.completion_tokens) },
  ];
  const latencySeries = [
    { name: "p50 (median)", values: perDay((d) => d.latency_p50_ms) },
    { name: "p95", values: perDay((d) => d.latency_p95_ms) },
  ];
  const guardSeries = [
    { name: "Blocked", values: perDay((d) => d.blocked) },
    { name: "Redacted", values: perDay((d) => d.redacted) },
  ];

  root.replaceChildren(
    totalsCard(report),
    el("div", { class: "chart-grid" },
      seriesCard("actions", "Requests per day by action", days, actionSeries, stackedBars, count, countSummary("requests", actionSeries)),
      seriesCard("hosts", "Requests per day by host", days, hostSeries, stackedBars, count, countSummary("requests", hostSeries)),
      seriesCard("tokens", "Tokens per day", days, tokenSeries, lines, count, countSummary("tokens", tokenSeries)),
      seriesCard("latency", "Latency per day (completed jobs)", days, latencySeries, lines, ms, latencySummary(latencySeries, days)),
      seriesCard("guard", "Blocked and redacted per day", days, guardSeries, stackedBars, count, countSummary("jobs screened out or redacted", guardSeries)),
      presetsCard(report.top_presets),
      errorsCard(report.errors)),
    usersCard(report.users));
}

function totalsCard(report) {
  const totals = report.totals;
  const tile = (id, label, value, detail) => el("div", { class: "tile" },
    el("dt", {}, label),
    el("dd", { id: `total-${id}` }, count(value)),
    detail ? el("dd", { class: "hint" }, detail) : null);
  return el("section", { class: "card totals", "aria-labelledby": "totals-title" },
    el("h2", { id: "totals-title" }, `Totals, ${report.from} to ${report.to} (UTC)`),
    el("dl", { class: "tiles" },
      tile("requests", "Requests", totals.requests),
      tile("tokens", "Tokens", totals.prompt_tokens + totals.completion_tokens,
        `${count(totals.prompt_tokens)} prompt, ${count(totals.completion_tokens)} completion`),
      tile("blocked", "Blocked by policy", totals.blocked),
      tile("redacted", "Redacted", totals.redacted),
      tile("errors", "Errors", totals.errors),
      tile("users", "Users", totals.users)));
}

function card(id, title, summary, ...content) {
  return el("section", { class: "card chart-card", id: `chart-${id}`, "aria-labelledby": `chart-${id}-title` },
    el("h2", { id: `chart-${id}-title` }, title),
    el("p", { id: `chart-${id}-summary`, class: "hint chart-summary" }, summary),
    ...content);
}

function legend(series) {
  return el("ul", { class: "legend", "aria-hidden": "true" },
    series.map((s, index) => el("li", {}, el("span", { class: `swatch series-${index}` }), s.name)));
}

function tableToggle(table) {
  return el("details", { class: "table-toggle" }, el("summary", {}, "Show the numbers"), table);
}

function seriesCard(id, title, days, series, draw, format, summary) {
  const labelledBy = `chart-${id}-title chart-${id}-summary`;
  const rows = days.map((day, index) => [day, ...series.map((s) => (typeof s.values[index] === "number" ? format(s.values[index]) : "none"))]);
  return card(id, title, summary,
    draw({ labelledBy, days, series, format }),
    legend(series),
    tableToggle(dataTable(title, ["Day", ...series.map((s) => s.name)], rows)));
}

function countSummary(unit, series) {
  const sums = series.map((s) => [s.name, s.values.reduce((a, b) => a + b, 0)]);
  const total = sums.reduce((a, [, value]) => a + value, 0);
  if (total === 0) return `No ${unit} in this range.`;
  return `${count(total)} ${unit}: ${sums.map(([name, value]) => `${name} ${count(value)}`).join(", ")}.`;
}

function latencySummary(series, days) {
  const parts = series.map((s) => {
    let best = -1;
    s.values.forEach((value, index) => {
      if (typeof value === "number" && (best < 0 || value > s.values[best])) best = index;
    });
    return best < 0 ? null : `highest ${s.name} ${ms(s.values[best])} on ${dayLabel(days[best])}`;
  }).filter(Boolean);
  if (!parts.length) return "No completed jobs in this range.";
  const text = parts.join("; ");
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

function presetsCard(presets) {
  if (!presets.length) return card("presets", "Top presets", "No job used a preset in this range.");
  const top = presets[0];
  return card("presets", "Top presets", `Most used: ${top.preset} (${count(top.requests)} requests).`,
    horizontalBars({ labelledBy: "chart-presets-title chart-presets-summary", items: presets.map((p) => ({ label: p.preset, value: p.requests })) }),
    tableToggle(dataTable("Top presets", ["Preset", "Requests"], presets.map((p) => [p.preset, count(p.requests)]))));
}

function errorsCard(errors) {
  if (!errors.length) return card("errors", "Errors and refusals", "No errors in this range.");
  const total = errors.reduce((sum, e) => sum + e.count, 0);
  const label = (e) => `${nameOf(OUTCOMES, e.outcome)}${e.error_code ? ` (${e.error_code})` : ""}`;
  return card("errors", "Errors and refusals", `${count(total)} in all; most frequent: ${label(errors[0])}, ${count(errors[0].count)}.`,
    horizontalBars({ labelledBy: "chart-errors-title chart-errors-summary", items: errors.map((e) => ({ label: e.error_code || nameOf(OUTCOMES, e.outcome), value: e.count })) }),
    tableToggle(dataTable("Errors and refusals", ["Outcome", "Error code", "Count"],
      errors.map((e) => [nameOf(OUTCOMES, e.outcome), e.error_code || "none", count(e.count)]))));
}

function usersCard(users) {
  const shown = users.slice(0, USERS_SHOWN);
  const note = users.length > USERS_SHOWN
    ? `The ${USERS_SHOWN} users with the most tokens of ${count(users.length)}; the .xlsx export lists them all.`
    : `${count(users.length)} ${users.length === 1 ? "user" : "users"}, most tokens first.`;
  return el("section", { class: "card users", id: "users", "aria-labelledby": "users-title" },
    el("h2", { id: "users-title" }, "Users"),
    el("p", { class: "hint" }, `People appear under pseudonyms, never by name or account. ${users.length ? note : "Nobody used Drafter in this range."}`),
    users.length
      ? el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "users-title" },
        dataTable("Per-user totals", ["User (pseudonym)", "Requests", "Prompt tokens", "Completion tokens", "Total tokens"],
          shown.map((u) => [u.user, count(u.requests), count(u.prompt_tokens), count(u.completion_tokens), count(u.prompt_tokens + u.completion_tokens)])))
      : null);
}
