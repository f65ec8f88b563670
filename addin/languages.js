// The languages a text can be translated into, as the service takes them (`language`: a BCP 47 tag), shown
// under their names in the pane's language (i18n.js, lang.<tag>). Every <select data-languages> gets them.

export const TARGET_LANGUAGES = Object.freeze([
  "en", "fr", "es", "de", "it", "pt", "nl", "pl", "uk", "ar", "zh", "ja",
]);

/** The language to offer first: French for an English pane, English for a French one (Canada, Belgium...). */
export function defaultTarget(paneLanguage) {
  return paneLanguage === "fr" ? "en" : "fr";
}

/** Fill a <select> with the target languages, names through `t`, `preferred` selected. */
export function fillLanguages(select, t, preferred) {
  const doc = select.ownerDocument;
  const options = TARGET_LANGUAGES.map((tag) => {
    const option = doc.createElement("option");
    option.value = tag;
    option.textContent = t(`lang.${tag}`);
    return option;
  });
  select.replaceChildren(...options);
  select.value = TARGET_LANGUAGES.includes(preferred) ? preferred : TARGET_LANGUAGES[0];
}
