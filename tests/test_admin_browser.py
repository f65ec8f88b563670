"""The admin dashboard (/admin) in Debian's Chromium driven by Playwright, against the real app with records in
its store: the totals, charts and tables show the report's numbers, the date filter changes them and refuses a
bad range beside the inputs, the CSV and .xlsx downloads hold the shown range, the keyboard alone works the
page, an account without Drafter.Admin sees a plain message, a French browser gets the page in French (numbers
and days as French writes them, the workbook in French, the CSV's column names unchanged) and the switch
changes the language for the tab, and axe-core finds no WCAG 2.1 AA violation in any of these states, in
either language (screenshots in tests/screenshots/). In Entra mode the page signs in with MSAL.js by
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
from tests.audit_helpers import make_record
from tests.test_api_admin import DAY3, at, seed
from tests.test_preview_a11y import axe_source, check  # noqa: F401  (fixture)
from tests.test_preview_browser import browser, expect, served  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

RANGE = "from=2026-03-03&to=2026-03-05"
THIN, NARROW, NBSP = "\u2009", "\u202f", "\u00a0"  # as Intl writes ranges, French numbers, and before a colon


@pytest.fixture
def store(app):
    return app.extensions["drafter.audit"].store


@pytest.fixture
def open_admin(browser, served, axe_source, store):  # noqa: F811
    """A fresh browser context on /admin, signed in through the dev form (as an admin unless told not to)."""
    seed(store)
    contexts = []
    errors: list[str] = []

    def open_page(query: str = RANGE, *, admin: bool = True, sign_in: bool = True, locale: str = "en-US"):
        context = browser.new_context(viewport={"width": 1280, "height": 1400}, locale=locale, timezone_id="UTC",
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
    expect(page.locator("#page-status")).to_have_text(f"Showing usage for Mar 3{THIN}–{THIN}5, 2026: 6 requests.")
    assert page.evaluate("document.documentElement.lang") == "en" and page.title() == "Drafter usage"
    expect(page.locator("#totals-title")).to_have_text(f"Totals, Mar 3{THIN}–{THIN}5, 2026 (UTC)")
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
    assert cells(page, "#chart-actions") == [["Mar 3, 2026", "2", "1", "1", "1"], ["Mar 4, 2026", "0", "0", "0", "0"],
                                             ["Mar 5, 2026", "1", "0", "0", "0"]]
    assert cells(page, "#chart-hosts")[0] == ["Mar 3, 2026", "3", "1", "1", "0"]
    assert cells(page, "#chart-tokens") == [["Mar 3, 2026", "61", "16"], ["Mar 4, 2026", "0", "0"],
                                            ["Mar 5, 2026", "7", "3"]]
    assert cells(page, "#chart-latency") == [["Mar 3, 2026", "200 ms", "300 ms"], ["Mar 4, 2026", "none", "none"],
                                             ["Mar 5, 2026", "50 ms", "50 ms"]]
    assert page.text_content("#chart-latency-summary") == "Highest p50 (median) 200 ms on Mar 3; highest p95 300 ms on Mar 3."
    assert cells(page, "#chart-guard")[0] == ["Mar 3, 2026", "1", "1"]
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
    assert cells(page, "#chart-tokens") == [["Mar 5, 2026", "7", "3"]]
    assert page.url.endswith("/admin?from=2026-03-05&to=2026-03-05")
    expect(page.locator("#chart-presets-summary")).to_have_text("No job used a preset in this range.")

    page.fill("#range-from", "2026-03-06")
    page.click("#range-apply")
    expect(page.locator("#range-error")).to_have_text("The first day (Mar 6, 2026) is after the last day (Mar 5, 2026).")
    assert page.get_attribute("#range-from", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "range-from"
    check(page, "admin-range-error", axe_source)
    page.fill("#range-from", "2025-01-01")
    page.click("#range-apply")
    expect(page.locator("#range-error")).to_have_text(f"Choose at most 366 days; Jan 1, 2025{THIN}–{THIN}Mar 5, 2026 is 429 days.")
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


# ---- in French ----

def seed_a_big_job(store) -> None:
    """One more job on the third day with tokens enough for thousands (the seed's numbers are all small)."""
    store.append(make_record(time=at(DAY3, 20), request_id="seed-big", tenant_id=DEV_TENANT_ID, user_id="oid-3",
                             action="summarize", host="word", outcome="ok", latency_ms=1500, prompt_tokens=1_234_500,
                             completion_tokens=0))


def sign_in(page) -> None:
    page.fill("#user-name", "Anne Admin")
    page.fill("#user-email", "anne@agence.gouv.fr")
    page.click("#dev-sign-in [type=submit]")


def texts(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "nodes => nodes.map(n => n.textContent)")


def test_a_french_browser_gets_the_page_in_french(open_admin, store, axe_source):  # noqa: F811
    seed_a_big_job(store)
    page = open_admin(locale="fr-FR", sign_in=False)
    expect(page.locator("#page-status")).to_have_text("Connectez-vous pour voir l’utilisation.")
    assert page.evaluate("document.documentElement.lang") == "fr" and page.title() == "Utilisation de Drafter"
    expect(page.locator("#sign-in-title")).to_have_text("Connexion")
    expect(page.locator("label[for=user-email]")).to_have_text("Courriel")
    expect(page.locator("#dev-sign-in [type=submit]")).to_have_text("Se connecter")
    expect(page.locator("#language-switch")).to_have_text("English")
    assert page.get_attribute("#language-switch", "lang") == "en"
    check(page, "admin-fr-signed-out", axe_source)
    page.click("#dev-sign-in [type=submit]")
    expect(page.locator("#dev-sign-in-error")).to_have_text("Saisissez un nom et une adresse de courriel.")

    sign_in(page)
    expect(page.locator("#page-status")).to_have_text(f"Utilisation, 3–5 mars 2026{NBSP}: 7{NBSP}requêtes.")
    expect(page.locator("#signed-in-as")).to_have_text("Connecté en tant que Anne Admin (anne@agence.gouv.fr)")
    expect(page.locator("#totals-title")).to_have_text("Totaux, 3–5 mars 2026 (UTC)")
    assert page.text_content("#total-tokens") == f"1{NARROW}234{NARROW}587"  # Intl's French group separator
    assert page.text_content("#total-tokens + dd") == f"1{NARROW}234{NARROW}568 d’invite, 19 de réponse"
    assert texts(page, "#range-form label, #range-form button") == [
        "Date de début", "Date de fin", "Afficher", "Télécharger le CSV", "Télécharger le fichier Excel (.xlsx)"]
    assert texts(page, ".chart-card h2") == [
        "Requêtes par jour et par action", "Requêtes par jour et par application", "Jetons par jour",
        "Latence par jour (tâches terminées)", "Bloquées et masquées par jour", "Préréglages les plus utilisés",
        "Erreurs et refus"]
    assert page.text_content("#chart-actions-summary") == (
        f"7{NBSP}requêtes{NBSP}: Réécriture 3, Résumé 2, Rédaction 1, Relecture 1.")
    assert texts(page, "#chart-hosts .legend li") == ["Word", "Outlook", "Page d’aperçu", "Hôte inconnu"]
    assert "3 mars" in texts(page, "#chart-actions svg text.tick")  # the day axis
    assert texts(page, "#chart-tokens thead th") == ["Jour", "Jetons d’invite", "Jetons de réponse"]
    assert cells(page, "#chart-actions")[0] == ["3 mars 2026", "2", "1", "1", "1"]
    assert cells(page, "#chart-tokens")[2] == ["5 mars 2026", f"1{NARROW}234{NARROW}507", "3"]
    assert cells(page, "#chart-latency") == [["3 mars 2026", f"200{NARROW}ms", f"300{NARROW}ms"],
                                             ["4 mars 2026", "aucune", "aucune"],
                                             ["5 mars 2026", f"50{NARROW}ms", f"1{NARROW}500{NARROW}ms"]]
    assert page.text_content("#chart-latency-summary") == (
        f"Maximum p50 (médiane){NBSP}: 200{NARROW}ms le 3 mars{NARROW}; maximum p95{NBSP}: 1{NARROW}500{NARROW}ms le 5 mars.")
    assert cells(page, "#chart-errors") == [["Bloquée par la politique", "blocked_by_policy", "1"],
                                            ["Erreur du modèle", "upstream_timeout", "1"]]
    assert texts(page, "details.table-toggle > summary") == ["Afficher les chiffres"] * 7
    assert texts(page, "#users thead th") == ["Utilisateur (pseudonyme)", "Requêtes", "Jetons d’invite",
                                              "Jetons de réponse", "Total des jetons"]
    assert cells(page, "#users")[0][1:] == ["1", f"1{NARROW}234{NARROW}500", "0", f"1{NARROW}234{NARROW}500"]
    assert page.text_content("#users > p") == ("Les personnes apparaissent sous un pseudonyme, jamais sous leur nom ni "
                                               f"leur compte. 3{NBSP}utilisateurs, par nombre de jetons décroissant.")
    check(page, "admin-fr-dashboard", axe_source)
    for summary in page.locator("details.table-toggle > summary").all():
        summary.click()
    check(page, "admin-fr-dashboard-tables", axe_source)

    page.fill("#range-from", "2026-03-06")
    page.click("#range-apply")
    expect(page.locator("#range-error")).to_have_text("La date de début (6 mars 2026) est après la date de fin (5 mars 2026).")
    check(page, "admin-fr-range-error", axe_source)


def test_french_downloads_name_the_workbook_in_french_and_keep_the_csvs_columns(open_admin, store):
    page = open_admin(locale="fr-CA")
    expect(page.locator("#total-requests")).to_have_text("6")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "format=" in request.url else None)
    with page.expect_download() as xlsx_download:
        page.click("#download-xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx_download.value.path().read_bytes()))
    assert book.sheetnames == ["Synthèse", "Par jour", "Utilisateurs"]
    assert [cell.value for cell in book["Par jour"][1]][:3] == ["Jour", "Requêtes", f"Requêtes{NBSP}: réécriture"]
    expect(page.locator("#download-status")).to_have_text(
        "Fichier drafter-usage-2026-03-03-2026-03-05.xlsx téléchargé.")
    with page.expect_download() as csv_download:
        page.click("#download-csv")
    lines = csv_download.value.path().read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("day,requests,action_rewrite,action_summarize")  # for scripts: the same in any language
    assert [urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["lang"] for url in asked] == [["fr"], ["fr"]]


def test_the_switch_changes_the_language_for_the_tab(open_admin, axe_source):  # noqa: F811
    page = open_admin()
    expect(page.locator("#total-requests")).to_have_text("6")
    page.click("#chart-tokens summary")  # a table the admin opened
    expect(page.locator("#language-switch")).to_have_text("Français")
    assert page.get_attribute("#language-switch", "lang") == "fr"
    page.click("#language-switch")
    expect(page.locator("#page-status")).to_have_text(f"Utilisation, 3–5 mars 2026{NBSP}: 6{NBSP}requêtes.")
    assert page.evaluate("document.documentElement.lang") == "fr" and page.title() == "Utilisation de Drafter"
    expect(page.locator("#chart-tokens-title")).to_have_text("Jetons par jour")
    expect(page.locator("#range-title")).to_have_text("Période")
    expect(page.locator("#signed-in-as")).to_have_text("Connecté en tant que Ann Admin (ann@agency.gov)")
    expect(page.locator("#chart-tokens table")).to_be_visible()  # still open, now in French
    assert cells(page, "#chart-tokens")[0] == ["3 mars 2026", "61", "16"]
    expect(page.locator("#language-switch")).to_have_text("English")
    assert page.evaluate("document.activeElement.id") == "language-switch"  # focus stays where the admin is
    check(page, "admin-fr-switched", axe_source)

    page.reload()  # the tab keeps the choice
    expect(page.locator("#total-requests")).to_have_text("6")
    expect(page.locator("#chart-tokens-title")).to_have_text("Jetons par jour")
    page.click("#language-switch")
    expect(page.locator("#chart-tokens-title")).to_have_text("Tokens per day")
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.locator("#page-status")).to_have_text(f"Showing usage for Mar 3{THIN}–{THIN}5, 2026: 6 requests.")


def test_in_french_the_not_admin_card_and_a_failure_are_french(open_admin, app, monkeypatch, axe_source):  # noqa: F811
    page = open_admin(admin=False, locale="fr-FR")
    expect(page.locator("#not-admin-title")).to_have_text("Le rôle Drafter.Admin est nécessaire")
    expect(page.locator("#page-status")).to_have_text("Le rôle Drafter.Admin est nécessaire pour voir l’utilisation.")
    expect(page.locator("#not-admin-sign-out")).to_have_text("Se connecter avec un autre compte")
    assert page.get_attribute("#not-admin-detail", "lang") == "en"  # the service's own words, in English
    check(page, "admin-fr-not-admin", axe_source)

    from server.errors import StoreUnavailable

    def down(*args, **kwargs):
        raise StoreUnavailable("The audit and usage store cannot be reached.")
    monkeypatch.setattr(app.extensions["drafter.audit"].store, "usage_report", down)
    page = open_admin(locale="fr-FR")
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error-message")).to_have_text(
        "Le stockage des données d’utilisation est injoignable pour le moment. The audit and usage store cannot be reached.")
    expect(page.locator("#error-message span[lang=en]")).to_have_text("The audit and usage store cannot be reached.")
    expect(page.locator("#error .hint")).to_contain_text(f"Identifiant de la requête{NBSP}:")
    check(page, "admin-fr-failure", axe_source)


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
