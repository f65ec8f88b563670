// The usage report on the page: totals, then one card per chart, each with its heading, a one-line summary
// (with the heading, the chart's accessible name), a legend, and its numbers in a table; all in the page's
// language (i18n.js), numbers and days through Intl.
import { horizontalBars, lines, stackedBars } from "./charts.js";
import { dataTable, el } from "./dom.js";

const USERS_SHOWN = 50;

/**
 * Draw `report` (GET /api/v1/admin/usage) into `root` in `i18n`'s language, replacing what was there. A table
 * the admin opened stays open when the report is drawn again (another range, the other language).
 */
export function renderReport(root, report, i18n) {
  const open = new Set([...root.querySelectorAll("details.table-toggle[open]")].map((details) => details.closest("section")?.id));
  const words = wordsOf(i18n);
  const { t } = i18n;
  const days = report.days.map((day) => day.day);
  const keysOf = (group) => Object.keys(report.days[0]?.[group] || {});
  const perDay = (pick) => report.days.map(pick);
  const actionSeries = keysOf("by_action").map((key) => ({ name: words.name("action", key), values: perDay((d) => d.by_action[key] || 0) }));
  const hostSeries = keysOf("by_host").map((key) => ({ name: words.name("host", key), values: perDay((d) => d.by_host[key] || 0) }));
  const tokenSeries = [
    { name: t("series.prompt"), values: perDay((d) => d.prompt_tokens) },
    { name: t("series.completion"), values: perDay((d) => d.completion_tokens) },
  ];
  const latencySeries = [
    { name: t("series.p50"), values: perDay((d) => d.latency_p50_ms) },
    { name: t("series.p95"), values: perDay((d) => d.latency_p95_ms) },
  ];
  const guardSeries = [
    { name: t("series.blocked"), values: perDay((d) => d.blocked) },
    { name: t("series.redacted"), values: perDay((d) => d.redacted) },
  ];

  root.replaceChildren(
    totalsCard(report, words),
    el("div", { class: "chart-grid" },
      seriesCard(words, "actions", days, actionSeries, stackedBars, words.count, countSummary(words, "requests", actionSeries)),
      seriesCard(words, "hosts", days, hostSeries, stackedBars, words.count, countSummary(words, "requests", hostSeries)),
      seriesCard(words, "tokens", days, tokenSeries, lines, words.count, countSummary(words, "tokens", tokenSeries)),
      seriesCard(words, "latency", days, latencySeries, lines, words.ms, latencySummary(words, latencySeries, days)),
      seriesCard(words, "guard", days, guardSeries, stackedBars, words.count, countSummary(words, "guard", guardSeries)),
      presetsCard(words, report.top_presets),
      errorsCard(words, report.errors)),
    usersCard(words, report.users));
  for (const id of open) {
    const details = id && root.querySelector(`#${id} details.table-toggle`);
    if (details) details.open = true;
  }
}

/** The translator and the formats the cards write with. */
function wordsOf(i18n) {
  return {
    ...i18n,
    count: (value) => i18n.number(value),
    ms: (value) => i18n.t("unit.ms", { value: i18n.number(Math.round(value)) }),
    /** An action, host or outcome in words; one a later release adds shows as its key until it has some. */
    name: (group, key) => (i18n.has(`${group}.${key}`) ? i18n.t(`${group}.${key}`) : key),
  };
}

function totalsCard(report, words) {
  const { t, count } = words;
  const totals = report.totals;
  const tile = (id, label, value, detail) => el("div", { class: "tile" },
    el("dt", {}, label),
    el("dd", { id: `total-${id}` }, count(value)),
    detail ? el("dd", { class: "hint" }, detail) : null);
  return el("section", { class: "card totals", "aria-labelledby": "totals-title" },
    el("h2", { id: "totals-title" }, t("totals.title", { range: words.range(report.from, report.to) })),
    el("dl", { class: "tiles" },
      tile("requests", t("totals.requests"), totals.requests),
      tile("tokens", t("totals.tokens"), totals.prompt_tokens + totals.completion_tokens,
        t("totals.tokensDetail", { prompt: count(totals.prompt_tokens), completion: count(totals.completion_tokens) })),
      tile("blocked", t("totals.blocked"), totals.blocked),
      tile("redacted", t("totals.redacted"), totals.redacted),
      tile("errors", t("totals.errors"), totals.errors),
      tile("users", t("totals.users"), totals.users)));
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

function tableToggle(words, table) {
  return el("details", { class: "table-toggle" }, el("summary", {}, words.t("chart.showNumbers")), table);
}

function seriesCard(words, id, days, series, draw, format, summary) {
  const title = words.t(`chart.${id}`);
  const labelledBy = `chart-${id}-title chart-${id}-summary`;
  const rows = days.map((day, index) => [words.day(day),
    ...series.map((s) => (typeof s.values[index] === "number" ? format(s.values[index]) : words.t("chart.none")))]);
  return card(id, title, summary,
    draw({ labelledBy, days, series, format, dayLabel: words.dayShort }),
    legend(series),
    tableToggle(words, dataTable(title, [words.t("chart.day"), ...series.map((s) => s.name)], rows)));
}

/** "6 requests: Rewrite 3, Summarize 1, …" (`unit`: requests, tokens or guard), or that there were none. */
function countSummary(words, unit, series) {
  const sums = series.map((s) => [s.name, s.values.reduce((a, b) => a + b, 0)]);
  const total = sums.reduce((a, [, value]) => a + value, 0);
  if (total === 0) return words.t(`summary.${unit}.none`);
  const parts = sums.map(([name, value]) => words.t("summary.part", { name, value: words.count(value) })).join(", ");
  return words.plural(`summary.${unit}`, total, { parts });
}

function latencySummary(words, series, days) {
  const parts = series.map((s) => {
    let best = -1;
    s.values.forEach((value, index) => {
      if (typeof value === "number" && (best < 0 || value > s.values[best])) best = index;
    });
    return best < 0 ? null : words.t("summary.latency.highest", { series: s.name, value: words.ms(s.values[best]), day: words.dayShort(days[best]) });
  }).filter(Boolean);
  if (!parts.length) return words.t("summary.latency.none");
  const text = parts.join(words.t("summary.latency.join"));
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

function presetsCard(words, presets) {
  const { t, count } = words;
  const title = t("chart.presets");
  if (!presets.length) return card("presets", title, t("summary.presets.none"));
  const top = presets[0];
  return card("presets", title, words.plural("summary.presets", top.requests, { preset: top.preset }),
    horizontalBars({ labelledBy: "chart-presets-title chart-presets-summary", items: presets.map((p) => ({ label: p.preset, value: p.requests })), format: count }),
    tableToggle(words, dataTable(title, [t("table.preset"), t("table.requests")], presets.map((p) => [p.preset, count(p.requests)]))));
}

function errorsCard(words, errors) {
  const { t, count } = words;
  const title = t("chart.errors");
  if (!errors.length) return card("errors", title, t("summary.errors.none"));
  const total = errors.reduce((sum, e) => sum + e.count, 0);
  const outcome = (e) => words.name("outcome", e.outcome);
  const label = (e) => (e.error_code ? t("outcome.withCode", { outcome: outcome(e), code: e.error_code }) : outcome(e));
  return card("errors", title, t("summary.errors", { count: count(total), label: label(errors[0]), top: count(errors[0].count) }),
    horizontalBars({ labelledBy: "chart-errors-title chart-errors-summary", items: errors.map((e) => ({ label: e.error_code || outcome(e), value: e.count })), format: count }),
    tableToggle(words, dataTable(title, [t("table.outcome"), t("table.errorCode"), t("table.count")],
      errors.map((e) => [outcome(e), e.error_code || t("table.noCode"), count(e.count)]))));
}

function usersCard(words, users) {
  const { t, count } = words;
  const shown = users.slice(0, USERS_SHOWN);
  const note = users.length > USERS_SHOWN
    ? t("users.top", { shown: count(USERS_SHOWN), count: count(users.length) })
    : words.plural("users.some", users.length);
  return el("section", { class: "card users", id: "users", "aria-labelledby": "users-title" },
    el("h2", { id: "users-title" }, t("users.title")),
    el("p", { class: "hint" }, `${t("users.pseudonyms")} ${users.length ? note : t("users.nobody")}`),
    users.length
      ? el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "users-title" },
        dataTable(t("users.caption"), [t("users.user"), t("users.requests"), t("users.prompt"), t("users.completion"), t("users.total")],
          shown.map((u) => [u.user, count(u.requests), count(u.prompt_tokens), count(u.completion_tokens), count(u.prompt_tokens + u.completion_tokens)])))
      : null);
}
