"""The security headers in Chromium (Playwright driving /usr/bin/chromium, as tests/test_preview_browser.py does),
against the real app served on loopback.

An allowed framer cannot be a real Office host on loopback, so Playwright plays the sites: a page "at"
https://outlook.office.com (or any other origin) is fulfilled by the test, and requests to the service's public
origin are forwarded to the app, whose real headers the browser then enforces. So the browser sees an Office
host framing the pane exactly as Office on the web does, and a foreign site trying the same. Every page also
reports any `securitypolicyviolation` to the console, where the tests look for it.
"""
from __future__ import annotations

import json
import time

import pytest

from server.app import create_app
from tests import test_preview_browser as preview_browser
from tests.test_preview_browser import expect, serving

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # the browser fixture says why these tests cannot run
    PlaywrightError = Exception

ORIGIN = "https://drafter.agency.test"
DEV_ORIGIN = "https://localhost:3000"  # the dev app's public URL (make run's)
CLIENT = "0c5f3d2e-0000-4000-8000-0000000d12af"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`csp-violation ${event.violatedDirective} ${event.blockedURI}`);
});
"""
# What Office.js would define for the pane to start in Word (the CDN is answered with an empty script).
FAKE_OFFICE = """
window.Office = {
  context: { displayLanguage: "en-US", requirements: { isSetSupported: () => false } },
  HostType: { Word: "Word", Outlook: "Outlook" },
  onReady(callback) {
    const info = OFFICE_INFO;
    return new Promise((resolve) => setTimeout(() => { if (callback) callback(info); resolve(info); }, 0));
  },
};
window.Word = { run: async (batch) => batch({ document: {}, sync: async () => {} }) };
""".replace("OFFICE_INFO", json.dumps({"host": "Word", "platform": "OfficeOnline"}))

pytestmark = pytest.mark.browser
browser = preview_browser.browser  # the fixture: one Chromium for the module






class Site:
    """A browser context where `origin` is the app at `served`, Office.js is the fake above, and other origins
    are pages the test writes; console lines (CSP violations among them) are kept per page."""

    def __init__(self, browser, served: str, origin: str):
        self.context = browser.new_context(viewport={"width": 900, "height": 1000})
        self.console: list[str] = []
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.context.add_init_script(FAKE_OFFICE)
        self.context.route(f"{origin}/**", lambda route: self._forward(route, served + route.request.url[len(origin):]))
        self.context.route("https://appsforoffice.microsoft.com/**", lambda route: route.fulfill(
            status=200, content_type="text/javascript", body=""))
        self.context.route("https://login.microsoftonline.com/**", lambda route: route.abort())  # no network

    @staticmethod
    def _forward(route, url: str) -> None:
        try:
            route.fulfill(response=route.fetch(url=url))
        except PlaywrightError:  # the page went away while this was in flight (the test had what it needed)
            pass

    def host_page(self, page_url: str, framed_url: str):
        """Open `page_url` (an origin the test plays) holding an iframe of `framed_url`."""
        body = f'<!doctype html><title>host</title><iframe src="{framed_url}" width="400" height="900"></iframe>'
        self.context.route(page_url, lambda route: route.fulfill(status=200, content_type="text/html", body=body))
        page = self.context.new_page()
        page.on("console", lambda message: self.console.append(message.text))
        page.goto(page_url)
        return page

    def violations(self) -> list[str]:
        return [line for line in self.console if "csp-violation" in line or "Content Security Policy" in line]


def refused(page) -> bool:
    """The page's iframe was blocked (Chromium commits its error page instead of the framed one)."""
    page.wait_for_load_state("load")
    deadline = time.monotonic() + 10
    while (len(page.frames) < 2 or page.frames[1].url in ("", "about:blank")) and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    return page.frames[1].url.startswith("chrome-error://")


@pytest.fixture
def entra_app(app_config):
    return create_app({**app_config, "AUTH_MODE": "entra", "PUBLIC_URL": ORIGIN, "CLIENT_ID": CLIENT,
                       "TENANT_IDS": [TENANT]})


def test_the_preview_signs_in_and_streams_with_no_csp_violation(browser, app, upstream):
    with serving(app) as served:
        context = browser.new_context(viewport={"width": 900, "height": 1200})
        console: list[str] = []
        context.add_init_script(REPORT_VIOLATIONS)
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        try:
            page.goto(f"{served}/preview")
            page.fill("#user-name", "Ada Clerk")
            page.fill("#user-email", "ada@agency.gov")
            page.click("#sign-in [type=submit]")
            page.wait_for_selector("#signed-in:not([hidden])")
            upstream.queue_reply("A shorter memo.")
            page.click("#run")  # the pane streams by default: server-sent events under connect-src 'self'
            expect(page.locator("#status-text")).to_have_text("Done.")
            assert page.text_content("#output") == "A shorter memo."
        finally:
            context.close()
    assert [line for line in console if "csp-violation" in line or "Content Security Policy" in line] == []


def test_the_pane_signs_in_with_no_csp_violation(browser, app):
    """Dev mode, the pane at its public URL as Office's desktop web view shows it (top level): Office.js, the
    host adapter, the dev sign-in (the token, the presets, the quota) all run under the Office pages' policy.
    (The streamed job under connect-src 'self' is the preview's test above: a job in Word needs a fuller fake.)"""
    with serving(app) as served:
        site = Site(browser, served, DEV_ORIGIN)
        try:
            page = site.context.new_page()
            page.on("console", lambda message: site.console.append(message.text))
            page.goto(f"{DEV_ORIGIN}/addin/taskpane.html")
            expect(page.locator("#pane-wrap")).to_be_visible()
            page.fill("#user-name", "Ada Clerk")
            page.fill("#user-email", "ada@agency.gov")
            page.click("#sign-in [type=submit]")
            expect(page.locator("#signed-in-as")).to_have_text("Signed in as Ada Clerk (ada@agency.gov)")
            expect(page.locator("#status-text")).to_have_text("Signed in as Ada Clerk.")
            assert site.violations() == []
        finally:
            site.context.close()


@pytest.mark.parametrize("host", ["https://outlook.office.com/mail/", "https://contoso.sharepoint.com/doc",
                                  "https://word-edit.officeapps.live.com/we/wordeditorframe.aspx",
                                  "https://outlook.cloud.microsoft/mail/"])
def test_in_production_office_hosts_may_frame_the_pane(browser, entra_app, host):
    with serving(entra_app) as served:
        site = Site(browser, served, ORIGIN)
        try:
            page = site.host_page(host, f"{ORIGIN}/addin/taskpane.html")
            assert not refused(page)
            expect(page.frame_locator("iframe").locator("#pane-wrap")).to_be_visible()
            assert site.violations() == []
        finally:
            site.context.close()


@pytest.mark.parametrize(("host", "path"), [
    ("https://evil.example/", "/addin/taskpane.html"),          # a site not on the list
    ("https://outlook.office.com.evil.example/", "/addin/signin.html"),
    ("https://outlook.office.com/mail/", "/admin"),             # Office never frames these
    ("https://outlook.office.com/mail/", "/api/v1/openapi.json"),
    ("https://outlook.office.com/mail/", "/addin/preview.html"),
])
def test_in_production_other_sites_cannot_frame_the_pane_and_nobody_frames_the_rest(browser, entra_app, host, path):
    with serving(entra_app) as served:
        site = Site(browser, served, ORIGIN)
        try:
            page = site.host_page(host, f"{ORIGIN}{path}")
            assert refused(page)
            assert any("frame-ancestors" in line for line in site.violations()), site.console
        finally:
            site.context.close()


def host_page_app(framed_url: str):
    """A WSGI app for a real loopback server whose page frames `framed_url` (a page the test fulfils would count as
    a public site, which Chromium stops from framing loopback addresses before any header is read)."""
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [f'<!doctype html><title>host</title><iframe src="{framed_url}"></iframe>'.encode()]
    return app


@pytest.mark.parametrize("path", ["/addin/taskpane.html", "/addin/signin.html", "/addin/help.html"])
def test_in_production_a_loopback_origin_cannot_frame_the_pane(browser, entra_app, path):
    """The app on loopback, framed from another loopback origin: not an Office host, so refused by the header."""
    with serving(entra_app) as served, serving(host_page_app(f"{served}{path}")) as host:
        check_framing(browser, served, host, expect_refused=True)


def test_a_loopback_origin_can_frame_a_page_without_drafters_headers(browser, entra_app):
    """The control of the test above: the same framing of another loopback server's page works, so what refuses
    the pane is its header, not the browser's rules for loopback."""
    with serving(entra_app) as served, serving(host_page_app("about:blank")) as plain, \
            serving(host_page_app(f"{plain}/")) as host:
        check_framing(browser, served, host, expect_refused=False)


def check_framing(browser, served: str, host: str, *, expect_refused: bool) -> None:
    site = Site(browser, served, ORIGIN)
    try:
        page = site.context.new_page()
        page.on("console", lambda message: site.console.append(message.text))
        page.goto(f"{host}/")
        assert refused(page) is expect_refused
        assert any("frame-ancestors" in line for line in site.violations()) is expect_refused, site.console
    finally:
        site.context.close()
