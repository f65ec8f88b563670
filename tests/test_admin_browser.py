"""The admin dashboard (/admin) in Debian's Chromium driven by Playwright, against the real app with records in
its store: the totals, charts and tables show the report's numbers, the date filter changes them and refuses a
bad range beside the inputs, the CSV and .xlsx downloads hold the shown range, the keyboard alone works the
page, an account without Drafter.Admin sees a plain message, and axe-core finds no WCAG 2.1 AA violation in
any of these states (screenshots in tests/screenshots/). In Entra mode the page signs in with MSAL.js by
redirect: the authority is played by routes in the browser (its metadata, the authorize redirect, the token
endpoint) handing out tokens of the fake Entra ID, which the app validates for real.
"""
from __future__ import annotations

import base64
import io
import json
import re
import threading
import time
import urllib.parse

import openpyxl
import pytest

from server.auth.dev import DEV_TENANT_ID
from tests.test_api_admin import seed
from tests.test_preview_a11y import axe_source, check  # noqa: F401  (fixture)
from tests.test_preview_browser import browser, expect, served  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

RANGE = "from=2026-03-03&to=2026-03-05"


@pytest.fixture
def store(app):
    return app.extensions["drafter.audit"].store


@pytest.fixture
def open_admin(browser, served, axe_source, store):  # noqa: F811
    """A fresh browser context on /admin, signed in through the dev form (as an admin unless told not to)."""
    seed(store)
    contexts = []
    errors: list[str] = []

    def open_page(query: str = RANGE, *, admin: bool = True, sign_in: bool = True):
        context = browser.new_context(viewport={"width": 1280, "height": 1400}, locale="en-US", timezone_id="UTC",
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda message: errors.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text else None)
        page.goto(f"{served}/admin?{query}")
        if sign_in:
            expect(page.locator("#dev-sign-in")).to_be_visible()
            page.fill("#user-name", "Ann Admin")
            page.fill("#user-email", "ann@agency.gov")
            page.set_checked("#user-admin", admin)
            page.click("#dev-sign-in [type=submit]")
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == [], errors


def cells(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(f"{selector} tbody tr",
                                     "rows => rows.map(r => [...r.children].map(c => c.textContent))")


def test_the_dashboard_shows_the_reports_numbers(open_admin, store, axe_source):  # noqa: F811
    page = open_admin()
    expect(page.locator("#dashboard")).to_be_visible()
    expect(page.locator("#page-status")).to_have_text("Showing usage from 2026-03-03 to 2026-03-05: 6 requests.")
    totals = {name: page.text_content(f"#total-{name}") for name in
              ("requests", "tokens", "blocked", "redacted", "errors", "users")}
    assert totals == {"requests": "6", "tokens": "87", "blocked": "1", "redacted": "1", "errors": "1", "users": "2"}
    assert page.input_value("#range-from") == "2026-03-03" and page.input_value("#range-to") == "2026-03-05"
    expect(page.locator("#signed-in-as")).to_have_text("Signed in as Ann Admin (ann@agency.gov)")

    # each chart: an SVG image named by its heading and summary, drawn, with its numbers in a table
    for chart in ("actions", "hosts", "tokens", "latency", "guard", "presets", "errors"):
        image = page.locator(f"#chart-{chart} svg[role=img]")
        assert image.get_attribute("aria-labelledby") == f"chart-{chart}-title chart-{chart}-summary"
        assert image.locator("rect.bar, polyline.line, circle.point").count() > 0, chart
    assert page.text_content("#chart-actions-summary") == "6 requests: Rewrite 3, Summarize 1, Draft 1, Review 1."
    assert cells(page, "#chart-actions") == [["2026-03-03", "2", "1", "1", "1"], ["2026-03-04", "0", "0", "0", "0"],
                                             ["2026-03-05", "1", "0", "0", "0"]]
    assert cells(page, "#chart-hosts")[0] == ["2026-03-03", "3", "1", "1", "0"]
    assert cells(page, "#chart-tokens") == [["2026-03-03", "61", "16"], ["2026-03-04", "0", "0"],
                                            ["2026-03-05", "7", "3"]]
    assert cells(page, "#chart-latency") == [["2026-03-03", "200 ms", "300 ms"], ["2026-03-04", "none", "none"],
                                             ["2026-03-05", "50 ms", "50 ms"]]
    assert page.text_content("#chart-latency-summary") == "Highest p50 (median) 200 ms on Mar 3; highest p95 300 ms on Mar 3."
    assert cells(page, "#chart-guard")[0] == ["2026-03-03", "1", "1"]
    assert cells(page, "#chart-presets") == [["brief", "2"], ["-2-3", "1"]]
    assert cells(page, "#chart-errors") == [["Blocked by policy", "blocked_by_policy", "1"],
                                            ["Model error", "upstream_timeout", "1"]]
    assert page.locator("#chart-actions rect.bar").count() == 5  # four actions on the 3rd, one on the 5th
    assert cells(page, "#users") == [
        [store.pseudonym(DEV_TENANT_ID, "oid-1"), "5", "48", "9", "57"],
        [store.pseudonym(DEV_TENANT_ID, "oid-2"), "1", "20", "10", "30"]]
    assert "oid-1" not in page.content()
    check(page, "admin-dashboard", axe_source)
    for summary in page.locator("details.table-toggle > summary").all():
        summary.click()
    check(page, "admin-dashboard-tables", axe_source)


def test_the_date_filter_changes_the_numbers_and_refuses_a_bad_range(open_admin, axe_source):  # noqa: F811
    page = open_admin()
    expect(page.locator("#total-requests")).to_have_text("6")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/admin/usage" in request.url else None)

    page.fill("#range-from", "2026-03-05")
    page.click("#range-apply")
    expect(page.locator("#total-requests")).to_have_text("1")
    assert cells(page, "#chart-tokens") == [["2026-03-05", "7", "3"]]
    assert page.url.endswith("/admin?from=2026-03-05&to=2026-03-05")
    expect(page.locator("#chart-presets-summary")).to_have_text("No job used a preset in this range.")

    page.fill("#range-from", "2026-03-06")
    page.click("#range-apply")
    expect(page.locator("#range-error")).to_have_text("The first day (2026-03-06) is after the last day (2026-03-05).")
    assert page.get_attribute("#range-from", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "range-from"
    check(page, "admin-range-error", axe_source)
    page.fill("#range-from", "2025-01-01")
    page.click("#range-apply")
    expect(page.locator("#range-error")).to_have_text("Choose at most 366 days; 2025-01-01 to 2026-03-05 is 429 days.")
    assert len(asked) == 1  # neither bad range went to the service
    expect(page.locator("#total-requests")).to_have_text("1")  # the last good report stays

    page.fill("#range-from", "2026-03-01")
    page.click("#range-apply")
    expect(page.locator("#total-requests")).to_have_text("6")
    assert page.get_attribute("#range-from", "aria-invalid") is None
    expect(page.locator("#range-error")).to_be_hidden()


def test_the_page_opens_on_the_range_in_its_address_or_the_last_30_days(open_admin):
    page = open_admin("from=2026-03-05&to=2026-03-05")
    expect(page.locator("#total-requests")).to_have_text("1")
    page = open_admin("")
    expect(page.locator("#dashboard")).to_be_visible()
    today = time.strftime("%Y-%m-%d", time.gmtime())
    expect(page.locator("#range-to")).to_have_value(today)
    assert len(cells(page, "#chart-actions")) == 30


def test_downloads_hold_the_shown_range(open_admin, store):
    page = open_admin()
    expect(page.locator("#total-requests")).to_have_text("6")
    with page.expect_download() as csv_download:
        page.click("#download-csv")
    download = csv_download.value
    assert download.suggested_filename == "drafter-usage-2026-03-03-2026-03-05.csv"
    lines = download.path().read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("day,requests,action_rewrite") and len(lines) == 4
    assert lines[1].startswith("2026-03-03,5,2,1,1,1,3,1,1,0,61,16,77,200,300,1,1,1")
    expect(page.locator("#download-status")).to_have_text("Downloaded drafter-usage-2026-03-03-2026-03-05.csv.")

    with page.expect_download() as xlsx_download:
        page.click("#download-xlsx")
    download = xlsx_download.value
    assert download.suggested_filename == "drafter-usage-2026-03-03-2026-03-05.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()))  # the saved file has no .xlsx name
    assert book.sheetnames == ["Summary", "Daily", "Users"]
    assert book["Daily"].max_row == 4 and book["Users"]["A2"].value == store.pseudonym(DEV_TENANT_ID, "oid-1")


def test_the_keyboard_alone_works_the_page(open_admin):
    page = open_admin()
    expect(page.locator("#total-requests")).to_have_text("6")
    page.focus("#range-from")
    page.keyboard.type("03052026")  # en-US date field: month, day, year
    page.keyboard.press("Enter")  # submits the form
    expect(page.locator("#total-requests")).to_have_text("1")
    page.focus("#chart-tokens summary")
    page.keyboard.press("Enter")
    expect(page.locator("#chart-tokens table")).to_be_visible()
    page.focus("#download-csv")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "drafter-usage-2026-03-05-2026-03-05.csv"


def test_an_account_without_the_admin_role_sees_a_plain_message(open_admin, axe_source):  # noqa: F811
    page = open_admin(admin=False)
    expect(page.locator("#not-admin")).to_be_visible()
    expect(page.locator("#not-admin-title")).to_have_text("You need the Drafter.Admin role")
    expect(page.locator("#page-status")).to_have_text("You need the Drafter.Admin role to see usage.")  # announced
    assert "Drafter.Admin app role" in page.text_content("#not-admin-detail")  # the service's own reason
    expect(page.locator("#dashboard")).to_be_hidden()
    expect(page.locator("#error")).to_be_hidden()
    check(page, "admin-not-admin", axe_source)
    page.click("#not-admin-sign-out")
    expect(page.locator("#dev-sign-in")).to_be_visible()


def test_signed_out(open_admin, axe_source):  # noqa: F811
    page = open_admin(sign_in=False)
    expect(page.locator("#dev-sign-in")).to_be_visible()
    expect(page.locator("#page-status")).to_have_text("Sign in to see usage.")
    check(page, "admin-signed-out", axe_source)
    page.fill("#user-name", "Ann Admin")
    page.click("#dev-sign-in [type=submit]")  # no email
    expect(page.locator("#dev-sign-in-error")).to_have_text("Give a name and an email address.")
    expect(page.locator("#dashboard")).to_be_hidden()


def test_a_failure_is_shown_with_its_request_id(open_admin, app, monkeypatch):
    from server.errors import StoreUnavailable

    def down(*args, **kwargs):
        raise StoreUnavailable("The audit and usage store cannot be reached.")
    monkeypatch.setattr(app.extensions["drafter.audit"].store, "usage_report", down)
    page = open_admin()
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error-message")).to_have_text("The audit and usage store cannot be reached.")
    assert re.fullmatch(r"[0-9a-f]{32}", page.text_content("#error-request-id"))


# ---- Entra mode: MSAL.js by redirect, the authority played by browser routes ----

def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


class PlayedAuthority:
    """Answers what MSAL.js asks of the Entra authority: metadata, the authorize redirect (as if the user
    signed in), the token endpoint (with an access token of the fake Entra, which the app checks for real)."""

    CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "*",
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS"}

    def __init__(self, entra, client_id: str, *, roles: list[str], user: str = "ann@agency.gov"):
        self.entra, self.client_id, self.roles, self.user = entra, client_id, roles, user
        self.authorize: list[dict] = []
        self.token_requests: list[dict] = []

    def install(self, context) -> None:
        context.route(f"{self.entra.authority_host}/**", self.answer)

    def answer(self, route) -> None:
        request = route.request
        url = urllib.parse.urlsplit(request.url)
        tenant = url.path.split("/")[1]
        if request.method == "OPTIONS":
            route.fulfill(status=204, headers=self.CORS)
        elif url.path.endswith("/.well-known/openid-configuration"):
            base = f"{self.entra.authority_host}/{tenant}"
            route.fulfill(status=200, headers=self.CORS, content_type="application/json", body=json.dumps({
                "issuer": self.entra.issuer(tenant), "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token", "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
                "jwks_uri": f"{base}/discovery/v2.0/keys", "response_modes_supported": ["query", "fragment"]}))
        elif url.path.endswith("/oauth2/v2.0/authorize"):
            query = dict(urllib.parse.parse_qsl(url.query))
            self.authorize.append(query)
            answer = urllib.parse.urlencode({"code": f"code-{len(self.authorize)}", "state": query["state"],
                                             "client_info": self.client_info(tenant)})
            mark = "?" if query.get("response_mode") == "query" else "#"
            route.fulfill(status=302, headers={"Location": f"{query['redirect_uri']}{mark}{answer}"})
        elif url.path.endswith("/oauth2/v2.0/token"):
            form = dict(urllib.parse.parse_qsl(request.post_data or ""))
            self.token_requests.append(form)
            nonce = self.authorize[-1].get("nonce")
            claims = self.entra.user_claims(self.client_id, user=self.user)
            now = int(time.time())
            id_claims = {"aud": self.client_id, "iss": claims["iss"], "iat": now, "nbf": now, "exp": now + 3600,
                         "name": claims["name"], "preferred_username": self.user, "oid": claims["oid"],
                         "sub": claims["sub"], "tid": claims["tid"], "nonce": nonce, "ver": "2.0"}
            id_token = f"{_b64({'alg': 'RS256', 'typ': 'JWT'})}.{_b64(id_claims)}.c2ln"  # MSAL reads, never verifies
            route.fulfill(status=200, headers=self.CORS, content_type="application/json", body=json.dumps({
                "token_type": "Bearer", "scope": self.authorize[-1]["scope"], "expires_in": 3600,
                "ext_expires_in": 3600, "refresh_token": "fake-refresh-token", "id_token": id_token,
                "client_info": self.client_info(tenant),
                "access_token": self.entra.user_token(self.client_id, user=self.user, roles=self.roles)}))
        else:
            route.fulfill(status=404, headers=self.CORS, body="not played")

    def client_info(self, tenant: str) -> str:
        claims = self.entra.user_claims(self.client_id, user=self.user)
        return _b64({"uid": claims["oid"], "utid": claims["tid"]})


@pytest.fixture
def entra_admin(browser, app_config, monkeypatch, axe_source):  # noqa: F811
    """/admin of an Entra-mode app, served on loopback; yields open_page(roles) -> (page, played authority)."""
    from werkzeug.serving import make_server

    from server.app import create_app
    from tests.fakes.entra import FakeEntra
    from tests.test_auth_entra import API_CLIENT_ID, entra_settings

    with FakeEntra() as entra:
        app = create_app(entra_settings(app_config, entra, monkeypatch))
        seed(app.extensions["drafter.audit"].store, tenant_id=entra.tenant_id)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        contexts, errors = [], []

        def open_page(roles: list[str]):
            context = browser.new_context(viewport={"width": 1280, "height": 1400}, locale="en-US", timezone_id="UTC")
            contexts.append(context)
            authority = PlayedAuthority(entra, API_CLIENT_ID, roles=roles)
            authority.install(context)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
            page.goto(f"{base}/admin?{RANGE}")
            return page, authority, base

        try:
            yield open_page
        finally:
            for context in contexts:
                context.close()
            server.shutdown()
            thread.join(5)
            app.extensions["drafter.audit"].store.close()
        assert errors == [], errors


def test_entra_sign_in_by_redirect_shows_the_tenants_report(entra_admin, axe_source):  # noqa: F811
    from tests.test_auth_entra import APP_ID_URI

    page, authority, base = entra_admin(["Drafter.Admin"])
    expect(page.locator("#entra-sign-in")).to_be_visible()
    expect(page.locator("#dev-sign-in")).to_be_hidden()
    check(page, "admin-entra-signed-out", axe_source)
    page.click("#entra-sign-in-button")
    expect(page.locator("#dashboard")).to_be_visible(timeout=15000)
    expect(page.locator("#total-requests")).to_have_text("6")
    [asked] = authority.authorize
    assert asked["redirect_uri"] == f"{base}/admin"
    assert f"{APP_ID_URI}/access_as_user" in asked["scope"].split()
    assert asked["response_type"] == "code" and asked["code_challenge_method"] == "S256"
    assert asked["prompt"] == "select_account"
    [exchange] = authority.token_requests
    assert exchange["grant_type"] == "authorization_code" and exchange["redirect_uri"] == f"{base}/admin"
    assert exchange["code_verifier"]
    expect(page.locator("#signed-in-as")).to_have_text("Signed in as Ann (ann@agency.gov)")
    assert page.url.startswith(f"{base}/admin?from=2026-03-03&to=2026-03-05")
    # a reload signs in from MSAL's cache: no second trip to the authority
    page.reload()
    expect(page.locator("#total-requests")).to_have_text("6")
    assert len(authority.authorize) == 1


def test_entra_account_without_the_admin_role_sees_the_message(entra_admin):
    page, _, _ = entra_admin([])
    page.click("#entra-sign-in-button")
    expect(page.locator("#not-admin")).to_be_visible(timeout=15000)
    expect(page.locator("#dashboard")).to_be_hidden()
