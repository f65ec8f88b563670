// The admin dashboard's language: English or French, from the browser's languages or the page's switch (kept
// for the tab in sessionStorage), its strings (strings.js) and its Intl formats (format.js). The pane has its
// own, larger dictionary (addin/i18n.js); this page loads only what it shows.
import { fillTemplate, languageOfTag, translatePage } from "../translate.js";
import { createFormats } from "./format.js";
import { STRINGS } from "./strings.js";

export const LANGUAGES = Object.freeze(["en", "fr"]);
const STORAGE_KEY = "drafter.admin.language";

/** The first of the browser's languages (navigator.languages, most preferred first) the page has; else English. */
export function pickLanguage(languages) {
  for (const tag of languages || []) {
    const language = languageOfTag(tag);
    if (language) return language;
  }
  return "en";
}

/** The tab's language: the one chosen with the switch, else the browser's. */
export function chooseLanguage({ languages, storage }) {
  try {
    const chosen = storage?.getItem(STORAGE_KEY);
    if (LANGUAGES.includes(chosen)) return chosen;
  } catch {
    // storage disabled: the browser's language
  }
  return pickLanguage(languages);
}

export function rememberLanguage(storage, language) {
  try {
    storage?.setItem(STORAGE_KEY, language);
  } catch {
    // storage disabled: the choice lasts until the page is reloaded
  }
}

export function otherLanguage(language) {
  return language === "fr" ? "en" : "fr";
}

/**
 * The locale Intl formats with: the browser's own tag for that language (en-GB writes 6 Dec 2026, en-US
 * Dec 6, 2026), else the bare language (an English browser switched to French gets fr).
 */
export function localeFor(language, languages) {
  const own = (languages || []).find((tag) => languageOfTag(tag) === language);
  try {
    return own ? Intl.getCanonicalLocales(String(own).trim().replace("_", "-"))[0] : language;
  } catch {
    return language; // a tag Intl does not take ("fr-")
  }
}

/**
 * A translator: t(key, {name: value}) fills {name} placeholders; plural(key, count, values) picks key.one,
 * key.other… by the count (shown as a formatted number in {count}). A key missing in French falls back to
 * English, and an unknown key shows as itself (visible in tests rather than blank on screen).
 */
export function createI18n(language, languages = []) {
  const lang = LANGUAGES.includes(language) ? language : "en";
  const table = STRINGS[lang];
  const formats = createFormats(localeFor(lang, languages));
  const has = (key) => key in table || key in STRINGS.en;
  const t = (key, values = {}) => fillTemplate(table[key] ?? STRINGS.en[key] ?? key, values);
  function plural(key, count, values = {}) {
    const form = `${key}.${formats.plural(count)}`;
    return t(has(form) ? form : `${key}.other`, { count: formats.number(count), ...values });
  }
  return { ...formats, language: lang, t, plural, has };
}

export { languageOfTag, translatePage };
