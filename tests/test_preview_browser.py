"""The preview page and the Office task pane in a real browser: Debian's Chromium driven by Playwright, against
the real app.

The app is served on loopback by werkzeug in a thread, with the fake upstream model; the preview signs in with
a dev token, streams a rewrite, shows the checks, puts the result into the stand-in document, and Stop
cancels the request on the server. The task pane runs under a fake `Office` global (Office.js's CDN is
answered with an empty script): it renders in Office's display language, signs in, and outside Office points
to the preview.
"""
from __future__ import annotations

import json
import os
import re
import threading
from contextlib import contextmanager

import pytest

from tests.conftest import skip_or_fail

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the browser fixture says why these tests cannot run
    expect = sync_playwright = None

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if sync_playwright is None:
        skip_or_fail("playwright is not installed (make test installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def serving(app):
    """The app on loopback, served by werkzeug in a thread; its URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def served(app):
    with serving(app) as url:
        yield url


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport={"width": 420, "height": 1200})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{served}/preview")
    page.fill("#user-name", "Ada Clerk")
    page.fill("#user-email", "ada@agency.gov")
    page.click("#sign-in [type=submit]")
    page.wait_for_selector("#signed-in:not([hidden])")
    yield page
    context.close()
    assert errors == [], errors


def test_a_rewrite_streams_shows_its_checks_and_goes_back_into_the_document(page, upstream):
    source = page.input_value("#doc")
    assert "$4.2 million" in source  # the sample memo the page opens with
    upstream.queue_reply("A shorter memo that drops the amount.")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    assert page.text_content("#output") == "A shorter memo that drops the amount."
    assert "$4.2 million" in page.text_content("#details")  # the missing fact is shown plainly
    sent = upstream.requests[-1]["json"]
    assert sent["stream"] is True and "$4.2 million" in sent["messages"][-1]["content"]
    page.click("#apply-replace")
    assert page.input_value("#doc") == "A shorter memo that drops the amount."


def test_stop_cancels_the_request_on_the_server(page, upstream):
    upstream.chunk_delay = 0.1
    upstream.queue_reply(" ".join(["slowly"] * 200))
    page.click("#run")
    expect(page.locator("#output")).not_to_be_empty()
    page.click("#stop")
    expect(page.locator("#status-text")).to_have_text(re.compile(r"^Stopped"))
    assert upstream.wait_for_disconnect(5), "the upstream request went on after Stop"
    assert "$4.2 million" in page.input_value("#doc")  # nothing was changed


def test_an_error_is_shown_with_its_request_id(page, upstream):
    upstream.queue_error(401, body={"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
    page.click("#run")
    page.wait_for_selector("#error:not([hidden])")
    assert page.text_content("#error-message")
    assert len(page.text_content("#error-request-id").strip()) >= 8


# What Office.js would define, minimal: onReady with the host, the display language, requirement sets (every one,
# or only those of `sets` up to their versions), Office's theme when given, and a Word.run that the Word host may
# call (nothing here runs a job in Word: that is the Word host's own tests).
FAKE_OFFICE = """
(() => {
  const info = %(info)s;
  const sets = %(sets)s;
  const newer = (have, want) => {
    const a = String(have).split(".").map(Number), b = String(want ?? "1.1").split(".").map(Number);
    for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) > (b[i] || 0);
    return true;
  };
  window.Office = {
    context: { displayLanguage: %(language)s, officeTheme: %(theme)s,
               requirements: { isSetSupported: (set, version) => sets === null || (set in sets && newer(sets[set], version)) } },
    HostType: { Word: "Word", Outlook: "Outlook" },
    onReady(callback) {
      return new Promise((resolve) => setTimeout(() => { if (callback) callback(info); resolve(info); }, 0));
    },
  };
  window.Word = { run: async (batch) => batch({ document: {}, sync: async () => {} }) };
})();
"""


@pytest.fixture
def open_taskpane(browser, served):
    contexts = []
    errors: list[str] = []

    def open_page(*, host="Word", language="en-US", theme=None, sets=None, color_scheme="light"):
        context = browser.new_context(viewport={"width": 320, "height": 900}, color_scheme=color_scheme)
        contexts.append(context)
        # No network: Office.js's CDN gets an empty script, and the fake Office stands in for it.
        context.route("https://appsforoffice.microsoft.com/**",
                      lambda route: route.fulfill(status=200, content_type="text/javascript", body=""))
        info = {"host": host, "platform": "OfficeOnline"} if host else {"host": None, "platform": None}
        context.add_init_script(FAKE_OFFICE % {"info": json.dumps(info), "language": json.dumps(language),
                                               "theme": json.dumps(theme), "sets": json.dumps(sets)})
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{served}/addin/taskpane.html")
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == [], errors


def test_the_task_pane_renders_in_english_and_signs_in(open_taskpane):
    page = open_taskpane(language="en-US")
    expect(page.locator("#pane-wrap")).to_be_visible()
    expect(page.locator("#starting")).to_be_hidden()  # the starting screen gave way to the pane
    assert page.get_attribute("html", "lang") == "en"
    expect(page.locator("#run")).to_have_text("Run")
    expect(page.locator("#sign-in-legend")).to_have_text("Development sign-in")
    assert page.locator("#doc").count() == 0
    page.fill("#user-name", "Ada Clerk")
    page.fill("#user-email", "ada@agency.gov")
    page.click("#sign-in [type=submit]")
    expect(page.locator("#signed-in-as")).to_have_text("Signed in as Ada Clerk (ada@agency.gov)")
    expect(page.locator("#status-text")).to_have_text("Signed in as Ada Clerk.")
    # The pane fits 320 px: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_task_pane_speaks_french_when_office_does(open_taskpane):
    page = open_taskpane(language="fr-FR")
    expect(page.locator("#pane-wrap")).to_be_visible()
    assert page.get_attribute("html", "lang") == "fr"
    expect(page.locator("#run")).to_have_text("Lancer")
    expect(page.locator("#pane-title")).to_have_text("Assistant")
    expect(page.locator("label[for=user-email]")).to_have_text("Courriel")
    assert page.get_attribute("#output", "aria-label") == "Texte du résultat"
    page.click("#run")  # not signed in yet: said in French, focus on the name
    expect(page.locator("#error-message")).to_have_text("Connectez-vous d’abord : saisissez votre nom et votre courriel.")
    page.fill("#user-name", "Zoë Commis")
    page.fill("#user-email", "zoe@agency.gov")
    page.keyboard.press("Enter")
    expect(page.locator("#signed-in-as")).to_have_text("Connecté en tant que Zoë Commis (zoe@agency.gov)")


def test_outside_office_the_page_points_to_the_preview(open_taskpane):
    page = open_taskpane(host=None)
    expect(page.locator("#outside")).to_be_visible()
    assert page.locator("#pane-wrap").is_hidden() and page.locator("#starting").is_hidden()
    assert page.get_attribute("#outside a", "href") == "preview.html"


def test_an_office_application_drafter_does_not_serve_is_said_plainly(open_taskpane):
    page = open_taskpane(host="Excel", language="fr-CA")
    expect(page.locator("#host-problem-text")).to_have_text(re.compile(r"^Drafter ne fonctionne pas encore"))
    assert page.locator("#pane-wrap").is_hidden()


def test_outlook_gets_the_pane_too(open_taskpane):
    page = open_taskpane(host="Outlook", language="en-GB")
    expect(page.locator("#pane-wrap")).to_be_visible()
    expect(page.locator("#sign-in-legend")).to_have_text("Development sign-in")
    assert page.locator("#signed-in").is_hidden() and page.locator("#rewrite-language-field").is_hidden()


# Office's Black and White themes as Office.js reports them (Office.context.officeTheme).
BLACK = {"themeId": "Black", "bodyBackgroundColor": "#262626", "bodyForegroundColor": "#FFFFFF",
         "controlBackgroundColor": "#363636", "controlForegroundColor": "#FFFFFF", "isDarkTheme": True}
WHITE = {"themeId": "White", "bodyBackgroundColor": "#FFFFFF", "bodyForegroundColor": "#262626",
         "controlBackgroundColor": "#FFFFFF", "controlForegroundColor": "#262626", "isDarkTheme": False}
DARK_BACKGROUND, LIGHT_BACKGROUND = "rgb(31, 31, 31)", "rgb(250, 250, 250)"  # colorNeutralBackground2


@pytest.mark.parametrize(("theme", "system", "expected", "background"), [
    (BLACK, "light", "dark", DARK_BACKGROUND),   # Office's theme wins over the system's
    (WHITE, "dark", "light", LIGHT_BACKGROUND),
    (None, "dark", None, DARK_BACKGROUND),       # no Office theme (Outlook before Mailbox 1.14): the system's
    (None, "light", None, LIGHT_BACKGROUND),
], ids=["office-black", "office-white", "system-dark", "system-light"])
def test_the_pane_is_light_or_dark_as_office_is(open_taskpane, theme, system, expected, background):
    page = open_taskpane(theme=theme, color_scheme=system)
    expect(page.locator("#pane-wrap")).to_be_visible()
    assert page.get_attribute("html", "data-theme") == expected
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == background
    scheme = page.evaluate("getComputedStyle(document.getElementById('user-name')).colorScheme")
    assert scheme == ("dark" if background == DARK_BACKGROUND else "light") or (expected is None and scheme == "light dark")


# ---- run-time capability checks: what this Office lacks is disabled, with its one-line reason ----

def test_a_word_without_wordapi_1_4_disables_tracked_changes_and_comments_and_says_why(open_taskpane):
    page = open_taskpane(sets={"WordApi": "1.3", "CompressedFile": "1.1"})
    expect(page.locator("#pane-wrap")).to_be_visible()
    for choice, reason in (("tracked", "Tracked changes need Word 2021 or Microsoft 365 (WordApi 1.4)."),
                           ("comment", "Comments need Word 2021 or Microsoft 365 (WordApi 1.4).")):
        expect(page.locator(f"#apply-{choice}")).to_be_disabled()
        expect(page.locator(f"#apply-{choice}-reason")).to_have_text(reason)
        assert page.get_attribute(f"#apply-{choice}", "aria-describedby") == f"apply-{choice}-reason"
    expect(page.locator("#apply-replace-reason")).to_be_hidden()  # WordApi 1.1 has Replace
    expect(page.locator("#job-reasons")).to_be_hidden()  # every task works


def test_a_word_too_old_for_anything_disables_every_task_with_its_reason_in_french(open_taskpane):
    page = open_taskpane(language="fr-FR", sets={})
    expect(page.locator("#pane-wrap")).to_be_visible()
    radios = page.locator('input[name="job"]:visible')
    assert radios.count() == 6 and all(radios.nth(i).is_disabled() for i in range(radios.count()))
    reasons = page.text_content("#job-reasons")
    assert reasons.startswith("Réécrire : La lecture du texte entier nécessite Word 2016")
    assert "Rédiger : Le texte mis en forme nécessite une version plus récente d'Office" in reasons


def test_an_outlook_without_mailbox_1_3_cannot_summarize_and_says_why(open_taskpane):
    page = open_taskpane(host="Outlook", sets={"Mailbox": "1.1"})
    expect(page.locator("#pane-wrap")).to_be_visible()
    expect(page.locator('input[name="job"][value="summarize"]')).to_be_disabled()
    expect(page.locator('input[name="job"][value="reply"]')).to_be_enabled()  # displayReplyForm is Mailbox 1.1
    expect(page.locator("#job-reasons")).to_have_text(
        "Summarize thread: Reading the whole text needs Word 2016 or Outlook 2016 or later (WordApi 1.1, Mailbox 1.3).")
