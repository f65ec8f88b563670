"""The preview page and the pane's modules: served read-only with the right types, nothing outside addin/,
no inline script or HTML injection in the pane, valid module syntax, and the Node unit tests of its JS."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from flask import Flask

from server.api import addin, security
from server.api.errors import register_error_handlers
from tests.conftest import ROOT, skip_or_fail

ADDIN = ROOT / "addin"
JS_FILES = sorted(p for p in ADDIN.rglob("*.js") if "node_modules" not in p.parts)
JS_TESTS = sorted((ROOT / "tests" / "js").glob("*.test.mjs"))
NODE_TIMEOUT_S = 120


@pytest.fixture
def static_client():
    """The blueprint with the app's real error handler and security headers, independent of the model and auth
    set-up."""
    app = Flask(__name__, static_folder=None)
    app.config.update(AUTH_MODE="dev", PUBLIC_URL="https://localhost:3000")
    register_error_handlers(app)
    security.init_app(app)
    app.register_blueprint(addin.bp)
    return _Buffered(app.test_client())


class _Buffered:
    """GETs read whole, so each served file is closed at once (filterwarnings=error catches a leaked one)."""

    def __init__(self, client):
        self._client = client

    def get(self, url, **kwargs):
        return self._client.get(url, buffered=True, **kwargs)


def test_there_is_something_to_check():
    assert (ADDIN / "preview.html").is_file()
    assert {p.name for p in JS_FILES} >= {"main.js", "api.js", "auth.js", "sse.js", "ui.js", "preview.js"}


@pytest.mark.parametrize(("path", "content_type"), [
    ("preview.html", "text/html; charset=utf-8"),
    ("styles.css", "text/css; charset=utf-8"),
    *[(p.relative_to(ADDIN).as_posix(), "text/javascript; charset=utf-8") for p in JS_FILES],
])
def test_files_are_served_with_their_type(static_client, path, content_type):
    response = static_client.get(f"/addin/{path}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == (ADDIN / path).read_bytes()


def test_the_page_is_served_under_a_strict_policy(static_client):
    policy = static_client.get("/addin/preview.html").headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]


def test_preview_redirects_to_the_page(static_client):
    response = static_client.get("/preview")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/addin/preview.html")


def test_preview_redirect_keeps_the_mode(static_client):
    response = static_client.get("/preview?mode=outlook-read")
    assert response.headers["Location"].endswith("/addin/preview.html?mode=outlook-read")


@pytest.mark.parametrize("url", [
    "/addin/../server/config.py",
    "/addin/%2e%2e/server/config.py",
    "/addin/%2E%2E%2Fserver%2Fconfig.py",
    "/addin/..%2fserver/config.py",
    "/addin/hosts/../../server/config.py",
    "/addin/hosts/%2e%2e/%2e%2e/server/config.py",
    "/addin/..%5cserver%5cconfig.py",
    "/addin/../requirements.txt",
    "/addin/../tests/conftest.py",
    "/addin/%2fetc%2fpasswd",
    "/addin/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/addin/main.js%00.html",
    "/addin/",
    "/addin/hosts/",
    "/addin/hosts",
    "/addin/missing.js",
    "/addin/preview.html/",
    "/addin/.eslintrc.js",
    "/addin/node_modules/x.js",
    "/addin/package.json",
])
def test_nothing_else_is_served(static_client, url):
    # Routing may first merge doubled slashes (a redirect that stays under /addin/); the end is a 404.
    response = static_client.get(url, follow_redirects=True)
    assert all(r.headers["Location"].startswith(("/addin/", "http://localhost/addin/")) for r in response.history)
    assert response.status_code == 404, response.data[:200]
    assert response.is_json and response.get_json()["error"] == "not_found"
    assert b"DRAFTER_" not in response.data and b"root:" not in response.data


def test_a_symlink_out_of_addin_is_refused(static_client, tmp_path, monkeypatch):
    folder = tmp_path / "addin"
    folder.mkdir()
    (folder / "inside.js").write_text("export {};\n")
    secret = tmp_path / "secret.js"
    secret.write_text("SECRET\n")
    (folder / "leak.js").symlink_to(secret)
    monkeypatch.setattr(addin, "ADDIN_DIR", folder)
    assert static_client.get("/addin/inside.js").status_code == 200
    response = static_client.get("/addin/leak.js")
    assert response.status_code == 404
    assert b"SECRET" not in response.data


def test_the_real_app_serves_the_preview(request):
    """Through create_app, so the blueprint is registered where `make run` serves it."""
    try:
        client = request.getfixturevalue("client")
    except pytest.FixtureLookupError:
        skip_or_fail("tests/conftest.py has no `client` fixture yet")
    assert client.get("/preview").status_code == 302
    response = client.get("/addin/main.js", buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/javascript")


class _PageAudit(HTMLParser):
    """Collects what a strict CSP would block or what pulls code from elsewhere."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"inline handler {name} on <{tag}>")
            if name == "style":
                self.problems.append(f"inline style on <{tag}>")
            if name in {"src", "href", "action"} and value and re.match(r"^(javascript:|[a-z][a-z0-9+.-]*:|//)", value, re.I):
                self.problems.append(f"{name}={value!r} on <{tag}> is not a local file")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self._in_script = True
            if not attributes.get("src"):
                self.problems.append("<script> without src")
            else:
                self.scripts.append(attributes["src"])
                if attributes.get("type") != "module":
                    self.problems.append(f"<script src={attributes['src']!r}> is not a module")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("inline script text")


def test_the_page_has_no_inline_script_and_loads_only_local_modules():
    audit = _PageAudit()
    audit.feed((ADDIN / "preview.html").read_text(encoding="utf-8"))
    assert audit.problems == []
    assert audit.scripts == ["main.js"]
    assert all((ADDIN / src).is_file() for src in audit.scripts)


HTML_SINKS = re.compile(r"\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|srcdoc|eval\s*\(|new\s+Function\b)")


@pytest.mark.parametrize("path", JS_FILES, ids=lambda p: p.relative_to(ADDIN).as_posix())
def test_no_html_sinks_in_the_pane(path):
    """Model and document text only ever reach the page as text."""
    hits = [f"{path.name}:{n}: {line.strip()}" for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if HTML_SINKS.search(line)]
    assert hits == []


IMPORT = re.compile(r"""(?:\bimport\b[^'"]*?\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]""")


@pytest.mark.parametrize("path", JS_FILES, ids=lambda p: p.relative_to(ADDIN).as_posix())
def test_imports_are_local_files_that_exist(path):
    """Browsers resolve module paths exactly: no bare names (no bundler here), no missing .js extension."""
    for target in IMPORT.findall(path.read_text(encoding="utf-8")):
        assert target.startswith(("./", "../")), f"{path.name} imports {target!r}"
        resolved = (path.parent / target).resolve()
        assert resolved.is_file() and ADDIN in resolved.parents, f"{path.name} imports {target!r}"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        skip_or_fail("node is not installed (needed to check the pane's JavaScript)")
    return node


@pytest.mark.parametrize("path", JS_FILES, ids=lambda p: p.relative_to(ADDIN).as_posix())
def test_modules_parse(path):
    # Through stdin as a module: `node --check file.js` guesses the module type and can pass broken files.
    result = subprocess.run([_node(), "--input-type=module", "--check"], input=path.read_bytes(),
                            capture_output=True, timeout=NODE_TIMEOUT_S, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")


def test_pane_javascript_unit_tests():
    """tests/js/*.test.mjs: the SSE parser, api.js against a loopback server (streams, errors, Stop), auth.js."""
    assert JS_TESTS
    env = {**os.environ, "NODE_OPTIONS": ""}
    result = subprocess.run([_node(), "--test", "--test-timeout=20000", *map(str, JS_TESTS)], cwd=ROOT, env=env,
                            capture_output=True, timeout=NODE_TIMEOUT_S, check=False, text=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def _declarations(block: str) -> dict[str, str]:
    return dict(re.findall(r"(--[\w-]+):\s*([^;]+);", block))


def test_dark_tokens_are_the_same_for_office_and_for_the_system():
    """styles.css: dark as Office's theme says ([data-theme=dark]) and as the system says (no data-theme)."""
    css = (ADDIN / "styles.css").read_text(encoding="utf-8")
    office = re.search(r':root\[data-theme="dark"\]\s*\{([^}]*)\}', css)
    system = re.search(r"@media \(prefers-color-scheme: dark\)\s*\{\s*:root:not\(\[data-theme\]\)\s*\{([^}]*)\}", css)
    assert office and system
    light = _declarations(css[css.index(":root {"):css.index("}", css.index(":root {"))])
    assert _declarations(office.group(1)) == _declarations(system.group(1))
    assert set(_declarations(office.group(1))) <= set(light)  # every dark token overrides a light one
    assert "color-scheme: dark" in office.group(1)
