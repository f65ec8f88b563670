"""The preview page in a real browser: Debian's Chromium driven by Playwright, against the real app.

The app is served on loopback by werkzeug in a thread, with the fake upstream model; the page signs in with a
dev token, streams a rewrite, shows the checks, puts the result into the stand-in document, and Stop
cancels the request on the server.
"""
from __future__ import annotations

import os
import re
import threading

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


@pytest.fixture
def served(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


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
    page.click("#use")
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
