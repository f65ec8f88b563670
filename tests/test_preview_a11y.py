"""Accessibility of the preview page and its pane: axe-core (npm, node_modules/axe-core) run in Debian's Chromium
in every main state (signed out, signed in and idle, streaming, with a result, an error shown, each stand-in
host), asserting zero WCAG 2.1 A/AA violations; each state's screenshot goes to tests/screenshots/ (git-ignored).
Also what the preview host records for the pane in each mode.

The page's CSP (script-src 'self') refuses an inline <script>, so axe is not added as a script tag: its source is
evaluated through Playwright (the DevTools protocol), which the CSP does not govern, and the page keeps its real
policy while it is checked.
"""
from __future__ import annotations

import json
import os

import pytest

from tests.conftest import ROOT, skip_or_fail
from tests.test_preview_browser import BLACK, CHROMIUM, CHROMIUM_ARGS, browser, expect, open_taskpane, served  # noqa: F401

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "tests" / "screenshots"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.is_file():
        skip_or_fail(f"axe-core is not installed at {AXE.relative_to(ROOT)} (npm ci)")
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def open_preview(browser, served, axe_source):  # noqa: F811
    contexts = []
    errors: list[str] = []

    def open_page(mode: str = "word", *, sign_in: bool = True, color_scheme: str = "light", locale: str = "en-US",
                  width: int = 1100):
        context = browser.new_context(viewport={"width": width, "height": 1300}, color_scheme=color_scheme, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{served}/addin/preview.html?mode={mode}")
        if sign_in:
            page.fill("#user-name", "Ada Clerk")
            page.fill("#user-email", "ada@agency.gov")
            page.click("#sign-in [type=submit]")
            expect(page.locator("#signed-in")).to_be_visible()
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == [], errors


@pytest.fixture
def open_office_pane(open_taskpane, axe_source):  # noqa: F811
    """The Office task pane (taskpane.html) under a fake Office, 320 px wide, signed in with the dev token."""
    def open_page(**options):
        page = open_taskpane(**options)
        expect(page.locator("#pane-wrap")).to_be_visible()
        page.fill("#user-name", "Ada Clerk")
        page.fill("#user-email", "ada@agency.gov")
        page.click("#sign-in [type=submit]")
        expect(page.locator("#signed-in")).to_be_visible()
        return page

    return open_page


def check(page, state: str, axe_source: str):
    """Screenshot the state, then run axe on the whole page; fail listing every violation and its nodes."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{state}.png"), full_page=True)
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    results = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA)
    violations = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [{"target": n["target"], "summary": n.get("failureSummary", "")} for n in v["nodes"]]}
        for v in results["violations"]
    ]
    assert violations == [], f"{state}: axe found WCAG 2.1 AA violations:\n{json.dumps(violations, indent=2)}"


def test_signed_out(open_preview, axe_source):
    page = open_preview(sign_in=False)
    expect(page.locator("#sign-in")).to_be_visible()
    check(page, "signed-out", axe_source)


def test_signed_in_and_idle(open_preview, axe_source):
    page = open_preview()
    expect(page.locator("#status-text")).to_have_text("Signed in as Ada Clerk.")
    check(page, "signed-in-idle", axe_source)


def test_streaming(open_preview, axe_source, upstream):
    upstream.chunk_delay = 0.2
    upstream.queue_reply(" ".join(["slowly"] * 100))
    page = open_preview()
    page.click("#run")
    expect(page.locator("#output")).not_to_be_empty()
    expect(page.locator("#stop")).to_be_enabled()
    check(page, "streaming", axe_source)
    page.click("#stop")
    assert upstream.wait_for_disconnect(5)


def test_with_a_result(open_preview, axe_source, upstream):
    upstream.queue_reply("A shorter memo that drops the amount.")
    page = open_preview()
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    check(page, "result", axe_source)


def test_with_an_error(open_preview, axe_source, upstream):
    upstream.queue_error(401, body={"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
    page = open_preview()
    page.click("#run")
    expect(page.locator("#error")).to_be_visible()
    check(page, "error", axe_source)


def test_with_a_guard_notice_and_a_provenance_note(open_preview, axe_source, upstream):
    upstream.responder = lambda request: "Refund [SSN_1] today and write to jane.doe@agency.gov."
    page = open_preview()
    page.fill("#doc", "refund ssn 123-45-6789 today, and write 2 jane.doe@agency.gov")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    expect(page.locator("#guard-notice p")).to_have_count(2)  # redacted, and warned
    page.click("#apply-replace")
    expect(page.locator("#provenance-note")).to_contain_text("DrafterAIEdits")
    check(page, "guard-notice", axe_source)


def test_with_the_quota_shown(open_preview, axe_source, upstream):
    def me_with_quota(route):
        answer = route.fetch()
        route.fulfill(response=answer, json={**answer.json(), "quota": {
            "requests_per_minute": {"limit": 10, "remaining": 1},
            "tokens_today": {"limit": 200000, "used": 187600, "remaining": 12400, "resets_at": "2030-01-02T00:00:00Z"},
            "tenant_tokens_today": {"limit": 5000000, "used": 4995000, "remaining": 5000, "resets_at": "2030-01-02T00:00:00Z"}}})

    page = open_preview()
    page.route("**/api/v1/me", me_with_quota)
    upstream.queue_reply("A shorter memo.")
    page.click("#run")  # the quota is fetched again after every job
    expect(page.locator("#quota p")).to_have_count(3)
    check(page, "quota", axe_source)


@pytest.mark.parametrize("mode", ["word", "outlook-read", "outlook-compose"])
def test_each_stand_in_host(open_preview, axe_source, mode):
    page = open_preview(mode)
    expect(page.locator(f"#standin-{mode}")).to_be_visible()
    assert page.input_value("#mode") == mode
    if mode == "outlook-read":  # with the reply form Drafter opened
        page.evaluate("window.__drafterHost.openReply('<p>Thanks, Jordan: one year works.</p>')")
        expect(page.locator("#reply-body")).to_have_value("Thanks, Jordan: one year works.")
    check(page, f"mode-{mode}", axe_source)


def test_a_rewrite_in_dark_with_its_changes(open_preview, axe_source, upstream):
    upstream.queue_reply("The department reviewed the 2023 pilot, which gave $4.2 million to 37 organisations.")
    page = open_preview(color_scheme="dark")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    expect(page.locator("#diff")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(31, 31, 31)"
    check(page, "dark-rewrite-changes", axe_source)


def test_a_proofread_with_its_corrections(open_preview, axe_source, upstream):
    upstream.queue_reply('The pilot was a success.\n### Changes\n- "sucess" -> "success" (spelling)')
    page = open_preview()
    page.fill("#doc", "The pilot was a sucess.")
    page.check('input[name="job"][value="proofread"]')
    page.click("#run")
    expect(page.locator("#details h4").first).to_have_text("Corrections (1)")
    check(page, "proofread", axe_source)


def test_translate_chosen(open_preview, axe_source):
    page = open_preview()
    page.check('input[name="job"][value="translate"]')
    expect(page.locator("#translate-language")).to_be_visible()
    check(page, "translate-options", axe_source)


def test_a_summary_streaming_with_its_progress_bar(open_preview, axe_source, upstream):
    upstream.chunk_delay = 0.2
    upstream.queue_reply(" ".join(["- The pilot reached rural applicants. [p3]"] * 20))
    page = open_preview()
    page.check('input[name="job"][value="summarize"]')
    page.click("#run")
    expect(page.locator("#progress-row")).to_be_visible()
    expect(page.locator("#progress-label")).to_have_text("Writing the summary: 0 of 1 done")
    check(page, "summary-progress", axe_source)
    page.click("#stop")
    assert upstream.wait_for_disconnect(5)


def test_a_summary_with_citation_chips(open_preview, axe_source, upstream):
    upstream.queue_reply("- The pilot reached rural applicants. [p3]\n- Renew it for three years. [p5]")
    page = open_preview()
    page.check('input[name="job"][value="summarize"]')
    page.click("#run")
    expect(page.locator("#details button.chip")).to_have_count(2)
    check(page, "summary-citations", axe_source)


def test_outlook_compose_coach_findings(open_preview, axe_source, upstream):
    upstream.queue_reply('[{"aspect": "completeness", "quote": "the partner list is coming", '
                         '"comment": "No date is given.", "suggestion": "Say when it will be sent."}]')
    page = open_preview("outlook-compose")
    page.check('input[name="job"][value="review"]')
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    expect(page.locator("#flow-notice")).to_be_visible()
    check(page, "outlook-compose-coach", axe_source)


def test_the_preview_in_french_with_an_error(open_preview, axe_source):
    page = open_preview(locale="fr-FR", sign_in=False)
    page.click("#run")
    expect(page.locator("#error-message")).to_have_text("Connectez-vous d’abord : saisissez votre nom et votre courriel.")
    assert page.get_attribute("html", "lang") == "fr"
    check(page, "french-error", axe_source)


@pytest.mark.parametrize("theme", [None, "black"])
def test_the_office_task_pane_at_320_px(open_office_pane, axe_source, upstream, theme):
    page = open_office_pane(theme=BLACK if theme else None)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    check(page, f"taskpane-{theme or 'light'}", axe_source)


def test_the_office_task_pane_with_features_this_office_lacks(open_office_pane, axe_source):
    page = open_office_pane(sets={"WordApi": "1.3", "CompressedFile": "1.1"}, theme=BLACK)
    expect(page.locator("#apply-tracked-reason")).to_be_visible()
    check(page, "taskpane-capability-reasons", axe_source)


# ---- what the preview host does and records in each mode ----

def test_the_mode_switch_is_keyboard_operable(open_preview):
    page = open_preview()
    page.focus("#mode")
    page.keyboard.press("ArrowDown")  # a closed <select> changes with the arrow keys; nothing reloads yet
    assert page.input_value("#mode") == "outlook-read" and page.locator("#standin-word").is_visible()
    page.keyboard.press("Tab")
    expect(page.locator("#mode-switch")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#standin-outlook-read")).to_be_visible()
    assert page.locator("#standin-word").is_hidden() and "mode=outlook-read" in page.url
    expect(page.locator("#signed-in")).to_be_visible()  # still signed in


def test_word_mode_records_tracked_changes_comments_and_undo(open_preview):
    page = open_preview("word")
    page.fill("#doc", "First paragraph.\n\nSecond paragraph.\nStill the second.\n\nThird.")
    log = page.evaluate("""async () => {
        const host = window.__drafterHost;
        await host.selectParagraph("p3");  // line 3: paragraphs are lines, as the service numbers them
        const read = await host.getSelectionOrBody();
        await host.applyResult("Second, rewritten.", {as: "tracked"});
        const afterTracked = host.canUndo();
        let refused = "";
        try { await host.undoLastApply(); } catch (err) { refused = err.message; }
        await host.applyResult("Check this figure.", {as: "comment"});
        const afterComment = host.canUndo();
        await host.undoLastApply();  // takes the comment away, as Word's host deletes it
        return {read, afterTracked, refused, afterComment, canUndoNow: host.canUndo(),
                log: window.__drafterHostLog.map(({op}) => op),
                tracked: window.__drafterHostLog.find((e) => e.op === "trackedChange")};
    }""")
    assert log["read"] == {"text": "Second paragraph.", "scope": "selection"}
    # As in Word: a tracked change is accepted or rejected in Word, not undone by Drafter; a comment is.
    assert log["afterTracked"] is False and log["refused"] == "Drafter cannot undo a tracked change: reject it in Word (Review, Reject)."
    assert log["afterComment"] is True and log["canUndoNow"] is False
    assert log["tracked"]["deleted"] == "Second paragraph."
    assert log["tracked"]["inserted"] == "Second, rewritten."
    assert log["log"] == ["selectParagraph", "getSelectionOrBody", "trackedChange", "comment", "undo"]
    assert page.input_value("#doc") == "First paragraph.\n\nSecond, rewritten.\nStill the second.\n\nThird."
    expect(page.locator("#host-log li")).to_have_count(4)
    expect(page.locator("#host-log li").nth(2)).to_contain_text("Comment on")


def test_word_mode_inserts_below_and_refuses_a_changed_document(open_preview):
    page = open_preview("word")
    page.fill("#doc", "One.\n\nTwo.")
    result = page.evaluate("""async () => {
        const host = window.__drafterHost;
        await host.selectParagraph("p1");
        await host.getSelectionOrBody();
        await host.applyResult("One and a half.", {as: "below"});
        const doc = document.getElementById("doc");
        doc.value = "Edited by hand.";
        try { await host.applyResult("Late.", {as: "replace"}); return "applied"; }
        catch (err) { return err.name + ": " + err.message; }
    }""")
    assert result.startswith("HostError: The document changed")
    assert page.evaluate("window.__drafterHostLog.at(-1)")["op"] == "insertBelow"


@pytest.mark.parametrize(("paragraph", "expected"), [("p9", "no paragraph 9"), ("a1.p3", "only go to a paragraph")])
def test_select_paragraph_refuses_what_is_not_there(open_preview, paragraph, expected):
    page = open_preview("word")
    message = page.evaluate("(id) => window.__drafterHost.selectParagraph(id).then(() => '', (e) => e.message)", paragraph)
    assert expected in message


def test_outlook_read_summarizes_the_message_as_html_and_cannot_comment(open_preview):
    page = open_preview("outlook-read")
    result = page.evaluate("""async () => {
        const host = window.__drafterHost;
        const material = await host.readForSummary();
        const caps = host.capabilities();
        let refused = "";
        try { await host.applyResult("x", {as: "comment"}); } catch (err) { refused = err.message; }
        return {material, comments: caps.comments, reply: caps.replyForm.available, replace: caps.replace.available,
                html: new TextDecoder().decode(Uint8Array.from(atob(material.document.content_base64), (c) => c.charCodeAt(0)))};
    }""")
    assert result["material"]["document"]["filename"] == "message.html"
    assert result["html"].startswith("<!doctype html>") and "<p>Hello,</p>" in result["html"]
    assert "one year only" in result["html"]
    assert result["comments"] == {"available": False, "reason": "Comments are available only in Word."}
    assert result["reply"] is True and result["replace"] is False
    assert result["material"]["skipped"] == []


def test_outlook_compose_inserts_at_the_cursor_and_records_html(open_preview):
    page = open_preview("outlook-compose")
    page.fill("#compose-body", "Hi Jordan,\n\nBest,")
    result = page.evaluate("""async () => {
        const host = window.__drafterHost;
        const body = document.getElementById("compose-body");
        body.setSelectionRange(12, 12);  // the start of "Best,"
        await host.insertText("Thanks for the update.", "cursor");
        await host.insertRendered({html: "<p>See <b>attached</b>.</p>"}, "end");
        return {caps: host.capabilities(), log: window.__drafterHostLog};
    }""")
    assert page.input_value("#compose-body") == "Hi Jordan,\n\nThanks for the update.\n\nBest,\n\nSee attached."
    assert [e["op"] for e in result["log"]] == ["insertText", "insertRendered"]
    assert result["log"][1]["html"] == "<p>See <b>attached</b>.</p>"
    assert result["caps"]["trackedChanges"]["available"] is False and result["caps"]["insertBelow"]["available"] is False
