// Numbers and UTC days in the page's language, through Intl: French writes 1 234 567 (narrow no-break
// spaces) and 6 déc. 2026. Days always carry the month's short name, never digits alone: 03/05/2026 is 3 May
// in Paris and March 5 in Washington, and a report travels between both.
export function createFormats(locale) {
  const number = new Intl.NumberFormat(locale);
  const day = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  const dayShort = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone: "UTC" });
  const plurals = new Intl.PluralRules(locale);
  const date = (iso) => new Date(`${iso}T00:00:00Z`);
  return {
    locale,
    /** 1234567 as 1,234,567 or 1 234 567. */
    number: (value) => number.format(value),
    /** "2026-12-06" as Dec 6, 2026 (en-US), 6 Dec 2026 (en-GB) or 6 déc. 2026. */
    day: (iso) => day.format(date(iso)),
    /** The same without the year, for chart axes and summaries under a heading that has it. */
    dayShort: (iso) => dayShort.format(date(iso)),
    /** Two days as one range, the shared month and year said once: Mar 3 – 5, 2026 or 3–5 mars 2026. */
    range: (from, to) => day.formatRange(date(from), date(to)),
    /** The plural category of a count ("one", "other", ...). */
    plural: (count) => plurals.select(count),
  };
}
