// theme.js: light or dark from Office's theme (isDarkTheme, else the body background), the system otherwise,
// and Outlook's OfficeThemeChanged followed where Mailbox 1.14 has it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { applyTheme, followOfficeTheme, luminance, themeOf } from "../../addin/theme.js";

function fakeDocument() {
  const listeners = {};
  return {
    documentElement: { dataset: {} },
    defaultView: { addEventListener(name, handler) { (listeners[name] ??= []).push(handler); } },
    fire(name) { for (const handler of listeners[name] ?? []) handler(); },
  };
}

// Office's four themes as Office.js reports them (body background, and isDarkTheme where it exists).
const BLACK = { themeId: "Black", bodyBackgroundColor: "#262626", bodyForegroundColor: "#FFFFFF" };
const DARK_GRAY = { themeId: "DarkGray", bodyBackgroundColor: "#444444", bodyForegroundColor: "#FFFFFF" };
const WHITE = { themeId: "White", bodyBackgroundColor: "#FFFFFF", bodyForegroundColor: "#262626" };
const COLORFUL = { themeId: "Colorful", bodyBackgroundColor: "#E6E6E6", bodyForegroundColor: "#262626" };

test("luminance reads #rgb and #rrggbb, and nothing else", () => {
  assert.equal(luminance("#ffffff"), 1);
  assert.equal(luminance("#000"), 0);
  assert.ok(Math.abs(luminance("#262626") - 0.019) < 0.001);
  for (const junk of ["", "red", "#12", "#1234567", null, undefined, "rgb(0,0,0)"]) assert.equal(luminance(junk), null, String(junk));
});

test("themeOf: isDarkTheme decides, as a boolean or a method; else the body background", () => {
  assert.equal(themeOf({ ...WHITE, isDarkTheme: true }), "dark");
  assert.equal(themeOf({ ...BLACK, isDarkTheme: false }), "light");
  assert.equal(themeOf({ ...WHITE, isDarkTheme() { return true; } }), "dark");
  assert.equal(themeOf({ ...BLACK, isDarkTheme() { throw new Error("not here"); } }), "dark");
  assert.equal(themeOf(BLACK), "dark");
  assert.equal(themeOf(DARK_GRAY), "dark");
  assert.equal(themeOf(WHITE), "light");
  assert.equal(themeOf(COLORFUL), "light");
  assert.equal(themeOf(undefined), null);
  assert.equal(themeOf({ bodyBackgroundColor: "transparent" }), null);
});

test("applyTheme sets data-theme, and clears it when Office gives no theme (the system decides)", () => {
  const doc = fakeDocument();
  assert.equal(applyTheme(doc, BLACK), "dark");
  assert.equal(doc.documentElement.dataset.theme, "dark");
  assert.equal(applyTheme(doc, WHITE), "light");
  assert.equal(doc.documentElement.dataset.theme, "light");
  assert.equal(applyTheme(doc, null), null);
  assert.ok(!("theme" in doc.documentElement.dataset));
});

test("followOfficeTheme: Word's theme now and again when the pane gets the focus back", () => {
  const doc = fakeDocument();
  const office = { context: { officeTheme: BLACK, requirements: { isSetSupported: () => true } }, EventType: {} };
  assert.equal(followOfficeTheme(office, doc), "dark");
  office.context.officeTheme = WHITE;
  doc.fire("focus");
  assert.equal(doc.documentElement.dataset.theme, "light");
});

test("followOfficeTheme: Outlook's OfficeThemeChanged with Mailbox 1.14, not without it", () => {
  for (const [sets, expected] of [[["1.14"], "dark"], [["1.13"], "light"]]) {
    const doc = fakeDocument();
    const handlers = [];
    const office = {
      EventType: { OfficeThemeChanged: "officeThemeChanged" },
      context: {
        officeTheme: WHITE,
        requirements: { isSetSupported: (set, version) => set === "Mailbox" && sets.includes(version) },
        mailbox: { addHandlerAsync(event, handler, done) { handlers.push([event, handler]); done({ status: "succeeded" }); } },
      },
    };
    assert.equal(followOfficeTheme(office, doc), "light");
    for (const [event, handler] of handlers) {
      assert.equal(event, "officeThemeChanged");
      handler({ type: "officeThemeChanged", officeTheme: BLACK });
    }
    assert.equal(doc.documentElement.dataset.theme, expected, sets.join());
  }
});

test("no Office, or an officeTheme that throws, leaves the system in charge", () => {
  const doc = fakeDocument();
  assert.equal(followOfficeTheme(undefined, doc), null);
  const office = { context: {} };
  Object.defineProperty(office.context, "officeTheme", { get() { throw new Error("Mailbox 1.14 needed"); } });
  assert.equal(followOfficeTheme(office, doc), null);
  assert.ok(!("theme" in doc.documentElement.dataset));
});
