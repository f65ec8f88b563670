// The dashboard's date range: UTC days written YYYY-MM-DD, checked as the service checks them
// (server/governance/usage_query.py), so a bad range is said beside the inputs, in the page's language,
// before any request.
export const DEFAULT_DAYS = 30;
export const MAX_RANGE_DAYS = 366;
export const EARLIEST = "2000-01-01";
export const LATEST = "2099-12-31";
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86400000;

/** The Date of a YYYY-MM-DD day (UTC midnight), or null for anything else (2026-02-30 included). */
export function parseDay(text) {
  if (typeof text !== "string" || !ISO_DATE.test(text)) return null;
  const day = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== text ? null : day;
}

export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function addDays(text, days) {
  return isoDay(new Date(parseDay(text).getTime() + days * DAY_MS));
}

/** The last 30 days to `today` (a Date; its UTC day counts). */
export function defaultRange(today = new Date()) {
  const to = isoDay(today);
  return { from: addDays(to, -(DEFAULT_DAYS - 1)), to };
}

/**
 * {from, to} when the range is one the service takes, else {field, key, values}: the input at fault and what
 * is wrong with it (a key of strings.js and its values; describeRangeProblem says it).
 */
export function checkRange(from, to) {
  for (const [field, value] of [["from", from], ["to", to]]) {
    if (!value) return { field, key: `range.missing.${field}`, values: {} };
    if (!parseDay(value)) return { field, key: `range.format.${field}`, values: {} };
    if (value < EARLIEST || value > LATEST) return { field, key: `range.bounds.${field}`, values: { earliest: EARLIEST, latest: LATEST } };
  }
  if (from > to) return { field: "from", key: "range.order", values: { from, to } };
  const days = Math.round((parseDay(to) - parseDay(from)) / DAY_MS) + 1;
  if (days > MAX_RANGE_DAYS) return { field: "from", key: "range.tooLong", values: { max: MAX_RANGE_DAYS, from, to, days } };
  return { from, to };
}

/** What checkRange found, in `i18n`'s language: days as it writes them (6 déc. 2026), counts likewise. */
export function describeRangeProblem(problem, i18n) {
  const { from, to, earliest, latest, max, days } = problem.values || {};
  const said = {};
  for (const [name, day] of Object.entries({ from, to, earliest, latest })) if (day) said[name] = i18n.day(day);
  for (const [name, count] of Object.entries({ max, days })) if (count !== undefined) said[name] = i18n.number(count);
  if (from && to && from <= to) said.range = i18n.range(from, to);
  return i18n.t(problem.key, said);
}

/** The range a page address asks for (?from=&to=), when it is a good one; otherwise the default. */
export function rangeFromSearch(search, today = new Date()) {
  const params = new URLSearchParams(search);
  const fallback = defaultRange(today);
  if (!params.has("from") && !params.has("to")) return fallback;
  const to = params.get("to") || fallback.to;
  const from = params.get("from") || (parseDay(to) ? addDays(to, -(DEFAULT_DAYS - 1)) : fallback.from);
  const checked = checkRange(from, to);
  return checked.field ? fallback : checked;
}
