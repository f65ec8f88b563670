"""The pane's result panel in a real browser against the real app and the fake upstream model: a rewrite (of the
selection or the whole document) shows its word-level changes and goes back in as a replacement, a tracked
change, below or as a comment, Undo reverses it, Refine resends the job with its history, Proofread lists its
corrections, Translate sends a language tag, summary points carry citation chips that select their paragraph,
an apply choice the host cannot do is disabled with its one-line reason, errors come in the pane's language,
and all of it works from the keyboard. Uses the browser fixtures of tests/test_preview_browser.py."""
from __future__ import annotations

import re

import pytest

from tests import test_preview_browser as preview_browser

# the preview browser tests' fixtures, shared: Chromium, the app on loopback, the signed-in preview page
browser = preview_browser.browser
served = preview_browser.served
page = preview_browser.page
expect = preview_browser.expect

pytestmark = pytest.mark.browser

REWRITE = "The department reviewed the 2023 pilot, which gave $4.2 million to 37 organisations."


def rewrite(page, upstream, reply=REWRITE):
    upstream.queue_reply(reply)
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")


def test_a_rewrite_shows_its_changes_word_by_word_and_the_result_on_request(page, upstream):
    rewrite(page, upstream)
    expect(page.locator("#diff")).to_be_visible()
    expect(page.locator("#show-changes")).to_have_attribute("aria-pressed", "true")
    assert page.locator("#diff ins").count() > 0 and page.locator("#diff del").count() > 0
    assert "gave" in " ".join(page.locator("#diff ins").all_text_contents()).split()
    page.click("#show-result")
    expect(page.locator("#output")).to_be_visible()
    expect(page.locator("#diff")).to_be_hidden()
    expect(page.locator("#output")).to_have_text(REWRITE)
    page.click("#show-changes")
    expect(page.locator("#diff")).to_be_visible()


def test_replace_then_undo(page, upstream):
    original = page.input_value("#doc")
    rewrite(page, upstream)
    page.click("#apply-replace")
    expect(page.locator("#status-text")).to_have_text("Replaced in the document.")
    assert page.input_value("#doc") == REWRITE
    expect(page.locator("#undo-reason")).to_be_hidden()  # the preview's Word can undo
    expect(page.locator("#undo")).to_be_enabled()
    page.click("#undo")
    expect(page.locator("#status-text")).to_have_text("The last apply was undone.")
    assert page.input_value("#doc") == original
    expect(page.locator("#undo")).to_be_disabled()


def test_insert_below_keeps_the_original(page, upstream):
    original = page.input_value("#doc")
    page.locator("#doc").evaluate("(box) => box.setSelectionRange(box.value.length, box.value.length)")
    rewrite(page, upstream)
    page.click("#apply-below")
    expect(page.locator("#status-text")).to_have_text("Inserted below in the document.")
    now = page.input_value("#doc")
    assert now.startswith(original.rstrip()) and now.rstrip().endswith(REWRITE)


def test_refine_resends_the_job_with_its_history(page, upstream):
    rewrite(page, upstream)
    expect(page.locator("#refine-form")).to_be_visible()
    page.fill("#refine-instruction", "shorter")
    upstream.queue_reply("The pilot gave $4.2 million to 37 organisations.")
    page.click("#refine")
    expect(page.locator("#output")).to_have_text("The pilot gave $4.2 million to 37 organisations.")
    expect(page.locator("#status-text")).to_have_text("Done.")
    messages = upstream.requests[-1]["json"]["messages"]
    assert {"role": "assistant", "content": REWRITE} in messages
    assert "shorter" in messages[-1]["content"]
    # A second follow-up keeps the whole conversation: both earlier answers and the first follow-up go back.
    page.fill("#refine-instruction", "more formal")
    upstream.queue_reply("The pilot provided $4.2 million to 37 organisations.")
    with page.expect_request("**/api/v1/rewrite") as sent:
        page.click("#refine")
    expect(page.locator("#output")).to_have_text("The pilot provided $4.2 million to 37 organisations.")
    history = sent.value.post_data_json["history"]
    assert [turn["role"] for turn in history] == ["user", "assistant", "user", "assistant"]
    assert history[1]["content"] == REWRITE and history[2]["content"] == "shorter"
    assert history[3]["content"] == "The pilot gave $4.2 million to 37 organisations."
    assert sent.value.post_data_json["instruction"] == "more formal"


def test_an_empty_refinement_is_refused_plainly(page, upstream):
    rewrite(page, upstream)
    count = len(upstream.requests)
    page.click("#refine")
    expect(page.locator("#error-message")).to_have_text("Say how to change the result, for example “shorter”.")
    assert len(upstream.requests) == count


def test_summary_points_carry_citation_chips_that_select_their_paragraph(page, upstream):
    # The service numbers a text's paragraphs by line, blank lines counted (as Word counts empty paragraphs):
    # the sample memo's paragraphs are p1, p3 and p5.
    lines = page.input_value("#doc").split("\n")
    assert lines[1] == lines[3] == "" and lines[2].startswith("The department") and lines[4].startswith("We recommend")
    page.check("input[name=job][value=summarize]")
    upstream.queue_reply("- The pilot reached rural applicants. [p3]\n- Renew it for three years. [p5]")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    chips = page.locator("#details button.chip")
    expect(chips).to_have_count(2)
    assert chips.all_text_contents() == ["¶ 3", "¶ 5"]
    assert chips.nth(1).get_attribute("aria-label") == "Select paragraph 5 in the document"
    chips.nth(1).focus()
    page.keyboard.press("Enter")  # a chip is a button: the keyboard works it
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator("#doc")).to_be_focused()
    selected = page.locator("#doc").evaluate("(box) => box.value.slice(box.selectionStart, box.selectionEnd)")
    assert selected == lines[4]
    assert page.evaluate("window.__drafterHostLog.at(-1)") == {"mode": "word", "op": "selectParagraph", "id": "p5"}
    chips.nth(0).click()
    selected = page.locator("#doc").evaluate("(box) => box.value.slice(box.selectionStart, box.selectionEnd)")
    assert selected == lines[2]


def test_where_the_host_cannot_select_a_source_the_chips_are_plain_and_say_why(page, upstream):
    page.evaluate("""() => {
      const host = window.__drafterHost;
      const capabilities = host.capabilities.bind(host);
      host.capabilities = () => ({ ...capabilities(), citations: { available: false,
        reason: "Jumping to a source needs a newer Word (WordApi 1.3)." } });
    }""")
    page.check("input[name=job][value=summarize]")
    upstream.queue_reply("- The pilot reached rural applicants. [p3]")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    expect(page.locator("#details button.chip")).to_have_count(0)  # no button that does nothing
    expect(page.locator("#details .chip")).to_have_text(["¶ 3"])
    expect(page.locator("#details")).to_contain_text("Jumping to a source needs a newer Word (WordApi 1.3).")


# ---- Word: a selection rewritten, then put back as a replacement or as a tracked change ----

SENTENCE = "Uptake was strong in rural areas, where 62% of applicants had never received public funding before."


def select_sentence(page):
    document = page.input_value("#doc")
    start = document.index(SENTENCE)
    page.locator("#doc").evaluate("(box, [a, b]) => box.setSelectionRange(a, b)", [start, start + len(SENTENCE)])
    return document


def test_word_rewrites_the_selection_and_replace_changes_only_it(page, upstream):
    document = select_sentence(page)
    upstream.queue_reply("Rural uptake was strong: 62% of applicants were first-time recipients.")
    with page.expect_request("**/api/v1/rewrite") as sent:
        page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    assert sent.value.post_data_json["text"] == SENTENCE  # the selection, not the whole document
    page.click("#apply-replace")
    expect(page.locator("#status-text")).to_have_text("Replaced in the document.")
    assert page.input_value("#doc") == document.replace(
        SENTENCE, "Rural uptake was strong: 62% of applicants were first-time recipients.")
    assert [e["op"] for e in page.evaluate("window.__drafterHostLog")][-3:] == [
        "getSelectionOrBody", "replace", "stampProvenance"]


def test_replace_as_tracked_change_is_recorded_by_the_host(page, upstream):
    document = select_sentence(page)
    upstream.queue_reply("Rural uptake was strong.")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    page.click("#apply-tracked")
    expect(page.locator("#status-text")).to_have_text("Replaced in the document as a tracked change.")
    tracked = [e for e in page.evaluate("window.__drafterHostLog") if e["op"] == "trackedChange"]
    assert tracked == [{"mode": "word", "op": "trackedChange", "deleted": SENTENCE, "inserted": "Rural uptake was strong."}]
    assert page.input_value("#doc") == document.replace(SENTENCE, "Rural uptake was strong.")
    expect(page.locator("#host-log li").first).to_have_text(
        f"Tracked change: deleted “{SENTENCE}”, inserted “Rural uptake was strong.”")
    # Undo is Word's Reject for a tracked change: the button is off and says so
    expect(page.locator("#undo")).to_be_disabled()
    expect(page.locator("#undo-reason")).to_have_text("A tracked change is undone in Word itself: Review, Reject.")


def test_add_as_comment_leaves_the_text_and_records_the_comment(page, upstream):
    document = select_sentence(page)
    upstream.queue_reply("Say where the 62% comes from.")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    page.click("#apply-comment")
    expect(page.locator("#status-text")).to_have_text("Added as a comment.")
    assert page.input_value("#doc") == document
    comments = [e for e in page.evaluate("window.__drafterHostLog") if e["op"] == "comment"]
    assert comments == [{"mode": "word", "op": "comment", "on": SENTENCE, "text": "Say where the 62% comes from."}]
    page.click("#undo")  # the comment is taken away again
    expect(page.locator("#status-text")).to_have_text("The last apply was undone.")
    undone = [e for e in page.evaluate("window.__drafterHostLog") if e["op"] == "undo"]
    assert undone == [{"mode": "word", "op": "undo", "comment": "Say where the 62% comes from."}]


def test_an_apply_choice_the_host_cannot_do_is_disabled_with_its_reason(page, served, upstream):
    for url in (None, f"{served}/addin/preview.html?mode=outlook-compose"):
        if url:
            page.goto(url)
            page.wait_for_selector("#signed-in:not([hidden])")
        rewrite(page, upstream)
        for choice in ("replace", "tracked", "below", "comment"):
            button = page.locator(f"#apply-{choice}")
            if button.is_disabled():
                reason = page.locator(f"#apply-{choice}-reason")
                expect(reason).to_be_visible()
                assert reason.text_content().strip()
                assert button.get_attribute("aria-describedby") == f"apply-{choice}-reason"
                return
    pytest.fail("every apply choice was available in every preview mode")


# ---- Proofread and Translate: rewrites with the service's own presets ----

def test_proofread_lists_each_correction_and_shows_the_changes(page, upstream):
    page.fill("#doc", "Teh pilot was a sucess.")
    upstream.queue_reply('The pilot was a success.\n### Changes\n- "Teh" -> "The" (spelling)\n- "sucess" -> "success" (spelling)')
    page.check('input[name="job"][value="proofread"]')
    expect(page.locator('.job-options[data-job="proofread"]')).to_be_visible()
    with page.expect_request("**/api/v1/rewrite") as sent:
        page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    assert sent.value.post_data_json["preset"] == "proofread"
    assert "Proofread the text" in str(upstream.requests[-1]["json"]["messages"])  # the service's preset reached the model
    expect(page.locator("#details h4").first).to_have_text("Corrections (2)")
    assert page.locator("#details li").all_text_contents()[:2] == ["“Teh” → “The”spelling", "“sucess” → “success”spelling"]
    expect(page.locator("#diff")).to_be_visible()
    assert page.locator("#diff ins").all_text_contents() == ["The ", "success."]
    page.click("#show-result")
    expect(page.locator("#output")).to_have_text("The pilot was a success.")  # the list is not part of the text
    page.click("#apply-replace")
    assert page.input_value("#doc") == "The pilot was a success."


def test_translate_sends_the_language_tag_and_shows_no_word_diff(page, upstream):
    page.check('input[name="job"][value="translate"]')
    language = page.locator("#translate-language")
    expect(language).to_have_value("fr")  # an English pane offers French first
    assert "Spanish" in language.locator("option").all_text_contents()
    language.select_option("es")
    upstream.queue_reply("El departamento revisó el piloto de 2023.")
    with page.expect_request("**/api/v1/rewrite") as sent:
        page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    body = sent.value.post_data_json
    assert body["preset"] == "translate" and body["language"] == "es"
    expect(page.locator("#view-toggle")).to_be_hidden()
    expect(page.locator("#output")).to_have_text("El departamento revisó el piloto de 2023.")
    page.click("#apply-replace")
    assert page.input_value("#doc") == "El departamento revisó el piloto de 2023."


def test_proofread_and_translate_are_off_with_a_reason_when_the_policy_removed_their_presets(page, served, upstream):
    def without_them(route):
        answer = route.fetch()
        presets = [p for p in answer.json()["presets"] if p["id"] not in ("proofread", "translate")]
        route.fulfill(response=answer, json={**answer.json(), "presets": presets})

    page.route("**/api/v1/presets", without_them)
    page.reload()
    page.wait_for_selector("#signed-in:not([hidden])")
    expect(page.locator('input[name="job"][value="proofread"]')).to_be_disabled()
    expect(page.locator('input[name="job"][value="translate"]')).to_be_disabled()
    expect(page.locator("#job-reasons")).to_have_text(
        "Proofread: turned off by your organisation. Translate: turned off by your organisation.")
    expect(page.locator('input[name="job"][value="rewrite"]')).to_be_enabled()


# ---- errors in the pane's language ----

@pytest.fixture
def french_page(browser, served):
    context = browser.new_context(viewport={"width": 420, "height": 1200}, locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{served}/preview")
    page.fill("#user-name", "Zoë Commis")
    page.fill("#user-email", "zoe@agency.gov")
    page.click("#sign-in [type=submit]")
    page.wait_for_selector("#signed-in:not([hidden])")
    yield page
    context.close()
    assert errors == [], errors


def test_a_host_refusal_is_said_in_french(french_page, upstream):
    page = french_page
    upstream.queue_reply("Une note plus courte.")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Terminé.")
    page.fill("#doc", "Modifié à la main entre-temps.")
    page.click("#apply-replace")
    expect(page.locator("#error-message")).to_have_text(
        "Le document a changé depuis que Drafter l’a lu. Sélectionnez de nouveau le texte et relancez.")
    assert page.input_value("#doc") == "Modifié à la main entre-temps."


def test_a_service_error_is_said_in_french_with_the_services_words_and_request_id(french_page, upstream):
    page = french_page
    page.fill("#doc", "SECRET//NOFORN\nThe plan for the northern region.")
    page.click("#run")
    expect(page.locator("#error")).to_be_visible()
    message = page.text_content("#error-message")
    assert message.startswith("La politique de votre organisation interdit d’envoyer ce texte. ")
    assert "SECRET" in message  # the service's own reason follows, naming the marking
    assert len(page.text_content("#error-request-id").strip()) >= 8
    expect(page.locator("#error-request-row")).to_contain_text("Identifiant de la requête")


# ---- the keyboard alone ----

FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  // The task radios are drawn by the span after them: that is where their focus ring shows.
  const drawn = el.matches(".segmented input") ? el.nextElementSibling : el;
  const style = getComputedStyle(drawn);
  return { id: el.id || el.name || el.tagName, shown: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 };
}"""


def tab_to(page, target: str, limit: int = 60) -> list[dict]:
    """Tab until `target` (a CSS selector) has the focus; every stop on the way shows a focus ring."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUS_SHOWN))
        if page.evaluate("(selector) => document.activeElement.matches(selector)", target):
            return stops
    pytest.fail(f"{target} was not reached with Tab: {stops}")


def test_a_rewrite_is_run_applied_and_undone_with_the_keyboard_alone(page, upstream):
    original = page.input_value("#doc")
    page.evaluate("document.activeElement.blur()")
    stops = tab_to(page, "#run")
    assert all(stop["shown"] for stop in stops), [s for s in stops if not s["shown"]]
    upstream.queue_reply(REWRITE)
    page.keyboard.press("Enter")
    expect(page.locator("#status-text")).to_have_text("Done.")
    stops = tab_to(page, "#apply-replace")
    assert all(stop["shown"] for stop in stops), [s for s in stops if not s["shown"]]
    page.keyboard.press("Enter")
    expect(page.locator("#status-text")).to_have_text("Replaced in the document.")
    assert page.input_value("#doc") == REWRITE
    tab_to(page, "#undo")
    page.keyboard.press("Space")
    expect(page.locator("#status-text")).to_have_text("The last apply was undone.")
    assert page.input_value("#doc") == original


def test_ctrl_enter_runs_and_escape_stops_on_the_server(page, upstream):
    upstream.chunk_delay = 0.1
    upstream.queue_reply(" ".join(["slowly"] * 200))
    page.focus("#rewrite-instruction")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#output")).not_to_be_empty()
    expect(page.locator("#stop")).to_be_focused()  # Stop takes the focus while the job runs
    page.keyboard.press("Escape")
    expect(page.locator("#status-text")).to_have_text(re.compile(r"^Stopped"))
    assert upstream.wait_for_disconnect(5), "the upstream request went on after Escape"
    expect(page.locator("#run")).to_be_focused()


def test_the_post_checks_are_said_plainly(page, upstream):
    page.fill("#doc", "The department gave $4.2 million to 37 organisations on 1 April 2024. It did not renew the grants.")
    upstream.queue_reply("The department gave $9 million to organisations. It renewed the grants.")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    blocks = page.locator("#details .details-block")
    missing = blocks.filter(has_text="In the original but not in the result")
    expect(missing.locator("h4")).to_have_text("In the original but not in the result — check before using it")
    listed = " ".join(missing.locator("li").all_text_contents())
    assert "$4.2 million" in listed and "37" in listed and "1 April 2024" in listed
    added = blocks.filter(has_text="In the result but not in the original")
    assert "$9 million" in " ".join(added.locator("li").all_text_contents())
    grade = page.locator("#details .grade")
    expect(grade).to_have_text(re.compile(r"^Grade level: \d+\.\d before, \d+\.\d after\. Measured with [\w-]+\.$"))
