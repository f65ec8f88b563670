"""The pages fetch their whole module graph at once: each <link rel="modulepreload"> list is exactly the static
import graph of the page's entry module (plus, for the task pane, what both host adapters import, but neither
adapter, so Word never loads Outlook's code), so a module added or dropped is fetched in the first round trip
and nothing is fetched for nothing. And the task pane shows Drafter's mark and a starting line until Office is
ready, in the browser's language, then Office's."""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT
from tests.test_preview_browser import FAKE_OFFICE, browser, expect, served  # noqa: F401  (fixtures)

ADDIN = ROOT / "addin"
STATIC_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^'"()]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]""",
                           re.M)
PRELOAD = re.compile(r'<link rel="modulepreload" href="([^"]+)" fetchpriority="low">')


def static_graph(entry: str) -> set[str]:
    """Every module `entry` (a path under addin/) imports statically, directly or not, itself included."""
    seen, todo = {entry}, [entry]
    while todo:
        path = ADDIN / todo.pop()
        for match in STATIC_IMPORT.finditer(path.read_text(encoding="utf-8")):
            target = (path.parent / (match.group(1) or match.group(2))).resolve().relative_to(ADDIN).as_posix()
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def preloads(page: str) -> list[str]:
    return PRELOAD.findall((ADDIN / page).read_text(encoding="utf-8"))


def test_the_preview_preloads_exactly_its_import_graph():
    listed = preloads("preview.html")
    assert (ADDIN / "preview.html").read_text(encoding="utf-8").count('rel="modulepreload"') == len(listed)
    assert len(listed) == len(set(listed))
    assert set(listed) == static_graph("main.js")


def test_the_task_pane_preloads_its_graph_and_what_both_adapters_share_but_no_adapter():
    listed = preloads("taskpane.html")
    assert (ADDIN / "taskpane.html").read_text(encoding="utf-8").count('rel="modulepreload"') == len(listed)
    shared = static_graph("hosts/word.js") & static_graph("hosts/outlook.js") - {"hosts/word.js", "hosts/outlook.js"}
    assert len(listed) == len(set(listed))
    assert set(listed) == static_graph("taskpane.js") | shared
    assert not {"hosts/word.js", "hosts/outlook.js", "vendor/msal-browser.min.js"} & set(listed)
    assert all((ADDIN / href).is_file() for href in listed)


def test_the_graph_reader_sees_imports_and_leaves_dynamic_ones_out():
    graph = static_graph("taskpane.js")
    assert {"taskpane.js", "pane.js", "api.js", "sse.js", "hosts/host.js"} <= graph
    assert "hosts/word.js" not in graph  # import("./hosts/word.js") is loaded on demand


# Office.js that never becomes ready (a slow Office): the page stays on its starting screen.
NEVER_READY = "window.Office.onReady = () => new Promise(() => {});"


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "text"), [("en-US", "Starting Drafter…"), ("fr-CA", "Démarrage de Drafter…")])
def test_until_office_is_ready_the_pane_shows_its_mark_and_says_it_is_starting(browser, served, locale, text):  # noqa: F811
    context = browser.new_context(viewport={"width": 320, "height": 700}, locale=locale)
    try:
        context.route("https://appsforoffice.microsoft.com/**",
                      lambda route: route.fulfill(status=200, content_type="text/javascript", body=""))
        info = {"host": "Word", "platform": "OfficeOnline"}
        context.add_init_script(FAKE_OFFICE % {"info": json.dumps(info), "language": json.dumps("en-US"),
                                               "theme": "null", "sets": "null"})
        context.add_init_script(NEVER_READY)
        page = context.new_page()
        page.goto(f"{served}/addin/taskpane.html")
        expect(page.locator("#starting-text")).to_have_text(text)
        expect(page.locator("#starting svg")).to_be_visible()
        assert page.get_attribute("#starting-text", "role") == "status"
        assert page.locator("#pane-wrap").is_hidden()
    finally:
        context.close()
