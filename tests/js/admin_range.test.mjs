// The admin page's date range: checked as the service checks it, defaults, and what the address asks for.
import assert from "node:assert/strict";
import { test } from "node:test";

import { niceMax } from "../../addin/admin/charts.js";
import { createI18n } from "../../addin/admin/i18n.js";
import { checkRange, defaultRange, describeRangeProblem, parseDay, rangeFromSearch } from "../../addin/admin/range.js";

const TODAY = new Date("2026-03-10T23:30:00Z");

test("a day is YYYY-MM-DD and exists", () => {
  assert.equal(parseDay("2026-03-05").toISOString(), "2026-03-05T00:00:00.000Z");
  for (const bad of ["2026-3-5", "20260305", "2026-02-30", "2026-03-05T00:00", "", null, "today"]) assert.equal(parseDay(bad), null, bad);
});

test("by default the last 30 UTC days to today", () => {
  assert.deepEqual(defaultRange(TODAY), { from: "2026-02-09", to: "2026-03-10" });
});

test("a good range passes, and each bad one names its input", () => {
  assert.deepEqual(checkRange("2026-03-03", "2026-03-05"), { from: "2026-03-03", to: "2026-03-05" });
  assert.deepEqual(checkRange("2024-01-01", "2024-12-31"), { from: "2024-01-01", to: "2024-12-31" }); // 366 days
  const en = createI18n("en", ["en-US"]);
  const cases = [
    [["", "2026-03-05"], "from", "range.missing.from", "The first day is missing"],
    [["2026-03-03", ""], "to", "range.missing.to", "The last day is missing"],
    [["2026-02-30", "2026-03-05"], "from", "range.format.from", "YYYY-MM-DD"],
    [["2026-03-03", "2026-3-5"], "to", "range.format.to", "The last day must be a date written YYYY-MM-DD"],
    [["1999-12-31", "2000-01-02"], "from", "range.bounds.from", "between Jan 1, 2000 and Dec 31, 2099"],
    [["2026-03-06", "2026-03-05"], "from", "range.order", "after the last day"],
    [["2025-03-04", "2026-03-05"], "from", "range.tooLong", "at most 366 days; Mar 4, 2025 – Mar 5, 2026 is 367 days"],
  ];
  for (const [[from, to], field, key, words] of cases) {
    const problem = checkRange(from, to);
    assert.equal(problem.field, field, `${from}..${to}`);
    assert.equal(problem.key, key, `${from}..${to}`);
    const message = describeRangeProblem(problem, en).replaceAll("\u2009", " ");
    assert.ok(message.includes(words), message);
  }
});

test("the address's range is used when good, else the default", () => {
  assert.deepEqual(rangeFromSearch("?from=2026-03-03&to=2026-03-05", TODAY), { from: "2026-03-03", to: "2026-03-05" });
  assert.deepEqual(rangeFromSearch("?to=2026-03-05", TODAY), { from: "2026-02-04", to: "2026-03-05" });
  assert.deepEqual(rangeFromSearch("?from=2026-03-01", TODAY), { from: "2026-03-01", to: "2026-03-10" });
  assert.deepEqual(rangeFromSearch("?from=2026-03-09&to=2026-03-01", TODAY), defaultRange(TODAY));
  assert.deepEqual(rangeFromSearch("", TODAY), defaultRange(TODAY));
});

test("the value axis ends at four whole steps at or above the highest value", () => {
  const cases = [[0, 4], [1, 4], [4, 4], [5, 8], [9, 12], [10, 12], [13, 20], [87, 100], [300, 400], [101, 120], [1234, 2000], [25000, 40000]];
  for (const [value, max] of cases) assert.equal(niceMax(value), max, `niceMax(${value})`);
});
