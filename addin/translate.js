// Putting strings into pages, shared by the pane's dictionary (i18n.js) and the admin page's (admin/i18n.js),
// which each load only their own words.

/** "fr" for any French tag (fr, fr-FR, fr_CA…), "en" for any English one, null for other languages. */
export function languageOfTag(tag) {
  const text = String(tag ?? "").trim();
  if (/^fr(?:[-_]|$)/i.test(text)) return "fr";
  if (/^en(?:[-_]|$)/i.test(text)) return "en";
  return null;
}

/** The template with its {name} placeholders filled from `values`; a placeholder without a value stays. */
export function fillTemplate(template, values = {}) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (values[name] !== undefined ? String(values[name]) : whole));
}

/**
 * Put the strings into a page: data-i18n sets the text; data-i18n-placeholder, data-i18n-aria-label,
 * data-i18n-title and data-i18n-empty (the CSS placeholder of an empty box) set those attributes. Only ever
 * textContent and attributes, never HTML. The page's lang follows.
 */
export function translatePage(root, i18n) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = i18n.t(node.dataset.i18n);
  for (const [data, attribute] of [["i18nPlaceholder", "placeholder"], ["i18nAriaLabel", "aria-label"], ["i18nTitle", "title"],
    ["i18nEmpty", "data-empty"]]) {
    const selector = `[data-${data.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}]`;
    for (const node of root.querySelectorAll(selector)) node.setAttribute(attribute, i18n.t(node.dataset[data]));
  }
  const html = root.documentElement ?? root.ownerDocument?.documentElement;
  if (html) html.lang = i18n.language;
}
