// Light or dark as Office says: Office.context.officeTheme (Word; Outlook from Mailbox 1.14), else as the system
// says (the stylesheet's prefers-color-scheme). The choice is one attribute on <html>, data-theme="light" or
// "dark", which styles.css reads; without it the system's preference applies.

// Below this relative luminance a theme's body background is dark (Office's Black is #262626, Dark Gray about
// #444; White and Colorful are white or nearly).
const DARK_BELOW = 0.25;

/** Relative luminance (WCAG) of "#rgb" or "#rrggbb", or null when it is not such a colour. */
export function luminance(color) {
  const match = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(color ?? "").trim());
  if (!match) return null;
  const hex = match[1].length === 3 ? [...match[1]].map((c) => c + c).join("") : match[1];
  const [r, g, b] = [0, 2, 4].map((i) => {
    const channel = parseInt(hex.slice(i, i + 2), 16) / 255;
    return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * "dark" or "light" for an Office.OfficeTheme, null when there is none to follow. isDarkTheme (a boolean, or a
 * method in some Office.js builds) decides; without it, the body background's luminance.
 */
export function themeOf(officeTheme) {
  if (!officeTheme || typeof officeTheme !== "object") return null;
  let dark = officeTheme.isDarkTheme;
  if (typeof dark === "function") {
    try {
      dark = dark.call(officeTheme);
    } catch {
      dark = undefined;
    }
  }
  if (typeof dark === "boolean") return dark ? "dark" : "light";
  const light = luminance(officeTheme.bodyBackgroundColor);
  return light === null ? null : light < DARK_BELOW ? "dark" : "light";
}

/** Office's theme now, or undefined where reading it throws (Outlook before Mailbox 1.14 may). */
function currentTheme(office) {
  try {
    return office?.context?.officeTheme;
  } catch {
    return undefined;
  }
}

/** Set data-theme on the document from an Office theme (or clear it: the system decides). Returns the theme. */
export function applyTheme(doc, officeTheme) {
  const theme = themeOf(officeTheme);
  const root = doc.documentElement;
  if (theme) root.dataset.theme = theme;
  else delete root.dataset.theme;
  return theme;
}

/**
 * Follow Office's theme in `doc`: now, when Outlook says it changed (OfficeThemeChanged, Mailbox 1.14), and each
 * time the pane gets the focus back (Word has no theme event; its officeTheme is read afresh).
 */
export function followOfficeTheme(office, doc = globalThis.document) {
  const apply = (theme = currentTheme(office)) => applyTheme(doc, theme);
  const theme = apply();
  const mailbox = office?.context?.mailbox;
  const event = office?.EventType?.OfficeThemeChanged;
  if (event && typeof mailbox?.addHandlerAsync === "function"
      && office.context.requirements?.isSetSupported?.("Mailbox", "1.14")) {
    try {
      mailbox.addHandlerAsync(event, (args) => apply(args?.officeTheme ?? currentTheme(office)), () => {});
    } catch {
      // no theme events here: the focus check below still follows a change
    }
  }
  doc.defaultView?.addEventListener("focus", () => apply());
  return theme;
}
