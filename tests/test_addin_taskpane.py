"""The Office task pane page: its Content-Security-Policy (Office.js, the Office hosts as frame ancestors, the
Entra authority), GET /addin/config.json in both auth modes, the same pane markup as the preview, every
string the pages name in i18n.js, and the vendored MSAL.js matching its note."""
from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser

import pytest

from tests.conftest import ROOT

ADDIN = ROOT / "addin"
ORIGIN = "https://drafter.agency.test"
CLIENT = "0C5F3D2E-0000-4000-8000-0000000D12AF"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT = "11111111-2222-4333-8444-555555555555"
OFFICE_ANCESTORS = {"https://*.officeapps.live.com", "https://*.sharepoint.com", "https://outlook.office.com",
                    "https://outlook.office365.com", "https://outlook.cloud.microsoft", "https://*.office.com",
                    "https://*.microsoft365.com", "https://*.cloud.microsoft"}
OFFICE_JS = ["https://appsforoffice.microsoft.com", "https://officeapis.public.onecdn.static.microsoft",
             "https://ajax.aspnetcdn.com/ajax/3.5/MicrosoftAjax.js"]


def entra(app_config, **overrides):
    return {**app_config, "AUTH_MODE": "entra", "PUBLIC_URL": ORIGIN, "CLIENT_ID": CLIENT, "TENANT_IDS": [TENANT],
            **overrides}


def make_client(config):
    from server.app import create_app

    return create_app(config).test_client()


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def get(client, url):
    return client.get(url, base_url=ORIGIN, buffered=True)


@pytest.mark.parametrize("page", ["taskpane.html", "signin.html"])
def test_the_office_pages_may_be_framed_by_office_and_load_office_js(app_config, page):
    client = make_client(entra(app_config))
    response = get(client, f"/addin/{page}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "X-Frame-Options" not in response.headers
    directives = policy(response)
    assert set(directives["frame-ancestors"]) == OFFICE_ANCESTORS
    assert directives["script-src"] == ["'self'", *OFFICE_JS]
    assert directives["connect-src"] == ["'self'", "https://login.microsoftonline.com"]
    assert directives["frame-src"] == ["'self'", "https://login.microsoftonline.com"]
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert directives["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]


def test_the_configured_authority_is_the_one_msal_may_call(app_config):
    client = make_client(entra(app_config, AUTHORITY_HOST="https://login.microsoftonline.us"))
    directives = policy(get(client, "/addin/taskpane.html"))
    assert directives["connect-src"] == ["'self'", "https://login.microsoftonline.us"]
    assert "https://login.microsoftonline.com" not in " ".join(directives["connect-src"] + directives["frame-src"])


def test_the_preview_keeps_the_strict_policy(app_config):
    directives = policy(get(make_client(entra(app_config)), "/addin/preview.html"))
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]  # Office never frames the preview
    assert directives["connect-src"] == ["'self'"]


def test_config_in_dev_mode_says_dev_and_nothing_else(client):
    response = client.get("/addin/config.json")
    assert response.status_code == 200
    assert response.get_json() == {"auth_mode": "dev", "client_id": "", "app_id_uri": "", "scope": "", "authority": ""}
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.parametrize(("overrides", "app_id_uri", "authority"), [
    ({}, f"api://drafter.agency.test/{CLIENT.lower()}", f"https://login.microsoftonline.com/{TENANT}"),
    ({"TENANT_IDS": [TENANT, OTHER_TENANT]}, f"api://drafter.agency.test/{CLIENT.lower()}",
     "https://login.microsoftonline.com/organizations"),
    # A configured APP_ID_URI is passed on as written (config only accepts api://<host>/<client id>, any case).
    ({"APP_ID_URI": f"api://drafter.agency.test/{CLIENT.upper()}", "AUTHORITY_HOST": "https://login.microsoftonline.us"},
     f"api://drafter.agency.test/{CLIENT.upper()}", f"https://login.microsoftonline.us/{TENANT}"),
])
def test_config_in_entra_mode_names_the_app_scope_and_authority(app_config, overrides, app_id_uri, authority):
    response = get(make_client(entra(app_config, **overrides)), "/addin/config.json")
    assert response.status_code == 200
    body = response.get_json()
    assert body == {"auth_mode": "entra", "client_id": CLIENT.lower(), "app_id_uri": app_id_uri,
                    "scope": f"{app_id_uri}/access_as_user", "authority": authority}
    assert "secret" not in response.get_data(as_text=True).lower()


def test_config_needs_no_token_and_takes_only_get(app_config):
    client = make_client(entra(app_config))
    assert get(client, "/addin/config.json").status_code == 200  # no Authorization header at all
    response = client.post("/addin/config.json", base_url=ORIGIN)
    assert response.status_code == 405


def pane_block(page: str) -> str:
    text = (ADDIN / page).read_text(encoding="utf-8")
    start, end = text.index("<!-- pane:"), text.index("<!-- /pane -->")
    return "\n".join(line.strip() for line in text[start:end].splitlines())


def test_the_task_pane_reuses_the_preview_pane_markup():
    assert pane_block("taskpane.html") == pane_block("preview.html")
    assert 'id="doc"' not in (ADDIN / "taskpane.html").read_text(encoding="utf-8")  # no stand-in document


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[tuple[str, str | None]] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.inline += [f"{name} on <{tag}>" for name, _ in attrs if name.startswith("on") or name == "style"]
        if tag == "script":
            self.scripts.append((attributes.get("src") or "", attributes.get("type")))


@pytest.mark.parametrize(("page", "module"), [("taskpane.html", "taskpane.js"), ("signin.html", "signin.js")])
def test_office_pages_load_office_js_from_microsoft_and_the_rest_locally(page, module):
    audit = _Scripts()
    audit.feed((ADDIN / page).read_text(encoding="utf-8"))
    assert audit.inline == []
    assert audit.scripts == [("https://appsforoffice.microsoft.com/lib/1/hosted/office.js", None), (module, "module")]


def test_every_string_the_pages_name_is_in_both_languages():
    source = (ADDIN / "i18n.js").read_text(encoding="utf-8")
    english = source[source.index("const EN = {"):source.index("const FR = {")]
    french = source[source.index("const FR = {"):source.index("export const STRINGS")]
    for page in ("preview.html", "taskpane.html"):
        keys = set(re.findall(r'data-i18n(?:-[a-z-]+)?="([^"]+)"', (ADDIN / page).read_text(encoding="utf-8")))
        assert keys, page
        for key in keys:
            assert f'"{key}":' in english and f'"{key}":' in french, f"{page}: {key}"


def test_the_vendored_msal_is_the_file_its_note_names():
    note = (ADDIN / "vendor" / "README.md").read_text(encoding="utf-8")
    digest = re.search(r"sha256: ([0-9a-f]{64})", note).group(1)
    data = (ADDIN / "vendor" / "msal-browser.min.js").read_bytes()
    assert hashlib.sha256(data).hexdigest() == digest
    version = re.search(r"@azure/msal-browser (\d+\.\d+\.\d+)", note).group(1)
    assert data.startswith(f"/*! @azure/msal-browser v{version} ".encode())
    assert "MIT License" in (ADDIN / "vendor" / "msal-browser.LICENSE").read_text(encoding="utf-8")
