"""The pane's host-specific flows in a real browser against the real app and the fake upstream model: Word's
draft goes in as a rendered .docx, Outlook compose's as HTML, Outlook read summarizes the message as a document
and opens a drafted reply in a reply form. Uses the browser fixtures of tests/test_preview_browser.py."""
from __future__ import annotations

import base64
import io
import re
import zipfile

import pytest

from tests import test_preview_browser as preview_browser

browser = preview_browser.browser
served = preview_browser.served
page = preview_browser.page
expect = preview_browser.expect

pytestmark = pytest.mark.browser

DRAFT = "# Update\n\n- The pilot ended.\n- The report is due Friday.\n\n| Item | Due |\n| --- | --- |\n| Report | Friday |"
PLAIN_DRAFT = "Thank you all for your work on the pilot. The report is due on Friday."

# A Word without insertFileFromBase64 (the preview's word mode has it): drafts go in as text.
WORD_WITHOUT_DOCX = """() => {
  const host = window.__drafterHost;
  const capabilities = host.capabilities.bind(host);
  host.capabilities = () => ({ ...capabilities(), insertDocx: { available: false, reason: "Not in this Word." } });
}"""


def paragraph_styles(docx_base64: str) -> list[tuple[str, str]]:
    """(style, text) of each paragraph of a .docx's body, tables included."""
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(docx_base64))) as package:
        xml = package.read("word/document.xml").decode()
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S)
    return [((re.search(r'<w:pStyle w:val="([^"]+)"', p) or [None, "Normal"])[1],
             "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p))) for p in paragraphs]


def switch(page, served, mode):
    page.goto(f"{served}/addin/preview.html?mode={mode}")
    page.wait_for_selector("#signed-in:not([hidden])")


def draft(page, upstream, instruction="Tell the team the pilot ended", reply=DRAFT):
    upstream.queue_reply(reply)
    page.check('input[name="job"][value="draft"]')
    page.fill("#draft-instruction", instruction)
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")


def log(page):
    return page.evaluate("() => window.__drafterHostLog.map((entry) => ({...entry}))")


def test_word_offers_its_six_jobs_and_inserts_a_draft_as_a_rendered_docx(page, upstream):
    radios = page.locator('input[name="job"]')
    visible = [radios.nth(i).get_attribute("value") for i in range(radios.count()) if radios.nth(i).is_visible()]
    assert visible == ["rewrite", "proofread", "translate", "summarize", "draft", "review"]
    expect(page.locator('input[name="job"][value="reply"]')).to_be_hidden()
    draft(page, upstream)
    page.click("#insert-draft")
    expect(page.locator("#status-text")).to_have_text("Inserted at the cursor.")
    inserted = [entry for entry in log(page) if entry["op"] == "insertRendered"]
    assert len(inserted) == 1 and inserted[0]["mode"] == "cursor"
    assert [entry["op"] for entry in log(page)][-2:] == ["insertRendered", "stampProvenance"]
    # the .docx from /documents/render, as Word's insertFileFromBase64 gets it: its heading and list items carry
    # Word's built-in style names, which take the styles of the document they go into; the table is a table
    styles = paragraph_styles(inserted[0]["docx_base64"])
    assert ("Heading1", "Update") in styles
    assert ("ListBullet", "The pilot ended.") in styles and ("ListBullet", "The report is due Friday.") in styles
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(inserted[0]["docx_base64"]))) as package:
        assert "<w:tbl>" in package.read("word/document.xml").decode()
    document = page.input_value("#doc")  # the preview shows it as text: no Markdown marks
    assert "Update\n\n- The pilot ended." in document and "# Update" not in document
    expect(page.locator("#host-log li").first).to_contain_text("Inserted a Word document (cursor)")


def test_a_plain_draft_goes_into_word_through_insert_text(page, upstream):
    draft(page, upstream, reply=PLAIN_DRAFT)
    page.click("#insert-draft")
    expect(page.locator("#status-text")).to_have_text("Inserted at the cursor.")
    # no formatting to keep: plain text at the cursor, then its request id in the document (provenance)
    assert [entry["op"] for entry in log(page)][-2:] == ["insertText", "stampProvenance"]
    assert log(page)[-2]["text"] == PLAIN_DRAFT and log(page)[-2]["mode"] == "cursor"
    assert PLAIN_DRAFT in page.input_value("#doc")


def test_word_without_insert_docx_inserts_a_formatted_draft_as_text(page, upstream):
    page.evaluate(WORD_WITHOUT_DOCX)
    draft(page, upstream)
    page.click("#insert-draft")
    expect(page.locator("#status-text")).to_have_text("Inserted at the cursor.")
    entry = log(page)[-2]
    assert entry["op"] == "insertText" and entry["text"].startswith("Update\n\n- The pilot ended.")


def test_outlook_compose_drafts_an_email_and_inserts_it_as_html(page, served, upstream):
    switch(page, served, "outlook-compose")
    expect(page.locator('input[name="job"][value="draft"] + span')).to_have_text("Draft email")
    expect(page.locator('input[name="job"][value="summarize"]')).to_be_hidden()
    draft(page, upstream)
    page.click("#insert-draft")
    expect(page.locator("#status-text")).to_have_text("Inserted at the cursor.")
    entry = log(page)[-1]
    assert entry["op"] == "insertRendered" and "<li>" in entry["html"] and "The report is due Friday." in entry["html"]
    assert "The pilot ended." in page.input_value("#compose-body")


def test_outlook_read_summarizes_the_message_as_a_document(page, served, upstream):
    switch(page, served, "outlook-read")
    expect(page.locator('input[name="job"][value="summarize"]')).to_be_checked()
    expect(page.locator('input[name="job"][value="rewrite"]')).to_be_hidden()
    upstream.queue_reply("- The sender asks for the report.")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    assert any(entry["op"] == "readForSummary" and entry["as"] == "document" for entry in log(page))
    prompt = str(upstream.requests[-1]["json"]["messages"])
    body = page.text_content("#message-body").split()
    assert body and body[0] in prompt  # the message document's text reached the model


def test_outlook_read_drafts_a_reply_and_opens_it_in_a_reply_form(page, served, upstream):
    switch(page, served, "outlook-read")
    upstream.queue_reply("Thank you. The report will be ready on Friday.")
    page.check('input[name="job"][value="reply"]')
    page.fill("#reply-instruction", "Say yes")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("The reply is open in Outlook: check it before you send it.")
    opened = [entry for entry in log(page) if entry["op"] == "openReply"]
    assert len(opened) == 1 and "The report will be ready on Friday." in opened[0]["html"] and "<p>" in opened[0]["html"]
    sent = upstream.requests[-1]["json"]["messages"]
    assert "Say yes" in str(sent) and page.text_content("#message-body").split()[0] in str(sent)
    expect(page.locator("#reply")).to_be_visible()


def test_outlook_compose_coach_reviews_the_new_text_with_the_thread_it_answers_as_context(page, served, upstream):
    switch(page, served, "outlook-compose")
    page.check('input[name="job"][value="review"]')
    expect(page.locator('input[name="job"][value="review"] + span')).to_have_text("Coach")
    upstream.queue_reply('[{"aspect": "completeness", "quote": "the partner list is coming", '
                         '"comment": "Jordan needs the list by 20 March; no date is given.", '
                         '"suggestion": "Say when the list will be sent."}]')
    with page.expect_request("**/api/v1/review") as sent:
        page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    body = sent.value.post_data_json
    # the new text above the quoted thread is what is coached; the thread goes along as context
    assert body["text"].startswith("Hi Jordan,") and body["text"].endswith("Ms. Tremblay")
    assert "Following our call" not in body["text"]
    assert body["context"].startswith("________________________________\nFrom: Jordan Lee (Finance)")
    assert "Could you confirm whether a one-year renewal still works" in body["context"]
    assert set(body["aspects"]) == {"tone", "clarity", "completeness"}
    expect(page.locator("#flow-notice")).to_contain_text("went along as context")
    expect(page.locator("#details")).to_contain_text("Jordan needs the list by 20 March")
    # a selection is coached alone, still with the thread as context
    page.locator("#compose-body").evaluate("(box) => box.setSelectionRange(12, 60)")
    upstream.queue_reply("[]")
    with page.expect_request("**/api/v1/review") as sent:
        page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    body = sent.value.post_data_json
    assert body["text"] == page.input_value("#compose-body")[12:60] and "Could you confirm" in body["context"]


def test_outlook_read_summarizes_the_earlier_messages_of_the_thread_too(page, served, upstream):
    switch(page, served, "outlook-read")
    upstream.queue_reply("- Finance offers one year.")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    prompt = str(upstream.requests[-1]["json"]["messages"])
    assert "Can finance confirm by 15 March" in prompt  # from "Earlier in the thread", below the message


def test_outlook_compose_rewrites_the_selected_text_only(page, served, upstream):
    switch(page, served, "outlook-compose")
    page.check('input[name="job"][value="rewrite"]')
    expect(page.locator('input[name="job"][value="rewrite"] + span')).to_have_text("Rewrite selection")
    body = page.input_value("#compose-body")
    chosen = "one year is ok i guess but we really wanted three"
    start = body.index(chosen)
    page.locator("#compose-body").evaluate("(box, [a, b]) => box.setSelectionRange(a, b)", [start, start + len(chosen)])
    upstream.queue_reply("A one-year renewal works, although we had hoped for three")
    with page.expect_request("**/api/v1/rewrite") as sent:
        page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    assert sent.value.post_data_json["text"] == chosen
    page.click("#apply-replace")
    expect(page.locator("#status-text")).to_have_text("Replaced in the message.")
    assert page.input_value("#compose-body") == body.replace(chosen, "A one-year renewal works, although we had hoped for three")
    ops = [(entry["op"], entry.get("scope")) for entry in log(page)]
    assert ops[-2:] == [("getSelectionOrBody", "selection"), ("replace", None)]


def test_a_pinned_pane_drops_the_result_when_another_message_is_selected(page, served, upstream):
    switch(page, served, "outlook-read")
    upstream.queue_reply("- The sender asks for the report.")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    expect(page.locator("#output")).not_to_be_empty()
    page.evaluate("window.__drafterHost.selectAnotherMessage()")
    expect(page.locator("#status-text")).to_have_text(
        "Another message was selected: the result for the previous one was cleared.")
    expect(page.locator("#output")).to_be_empty()
    expect(page.locator("#details")).to_be_empty()
    expect(page.locator("#open-reply")).to_be_disabled()


def test_a_reply_being_drafted_stops_when_another_message_is_selected_and_never_opens(page, served, upstream):
    switch(page, served, "outlook-read")
    upstream.chunk_delay = 0.1
    upstream.queue_reply(" ".join(["Thank you, Jordan."] * 60))
    page.check('input[name="job"][value="reply"]')
    page.click("#run")
    expect(page.locator("#output")).not_to_be_empty()
    page.evaluate("window.__drafterHost.selectAnotherMessage()")
    expect(page.locator("#status-text")).to_have_text(
        "Another message was selected: the result for the previous one was cleared.")
    assert upstream.wait_for_disconnect(5), "the reply went on being drafted for the previous message"
    assert [entry for entry in log(page) if entry["op"] == "openReply"] == []
    expect(page.locator("#reply")).to_be_hidden()
