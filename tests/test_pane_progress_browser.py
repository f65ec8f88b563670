"""Long work in the pane, in a real browser against the real app and the fake upstream model: a 300-page report
summarized as a whole document (as Word's getFileAsync hands it over) shows a progress bar fed by the service's
`progress` events, naming the stage and the parts done of the total, while the pane stays responsive; and a
streamed result appears word by word, not all at once. Uses the browser fixtures of tests/test_preview_browser.py.
"""
from __future__ import annotations

import base64
import re

import pytest

from tests import test_preview_browser as preview_browser

browser = preview_browser.browser
served = preview_browser.served
page = preview_browser.page
expect = preview_browser.expect

pytestmark = pytest.mark.browser

PAGES = 300
WORDS_PER_PAGE = 500
CHUNK_TOKENS = 6000  # about 4,500 words a part: a 300-page report is read in a few dozen parts


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SUMMARY_CHUNK_TOKENS": CHUNK_TOKENS, "SUMMARY_CONCURRENCY": 4, "MODEL_TOTAL_BUDGET": 60.0}


def report(pages: int = PAGES) -> str:
    """A long report as Markdown: a heading per chapter, paragraphs of about 100 words each with figures in them."""
    blocks = []
    for page_number in range(1, pages + 1):
        if page_number % 10 == 1:
            blocks.append(f"# Chapter {page_number // 10 + 1}: programme results")
        for paragraph in range(WORDS_PER_PAGE // 100):
            n = page_number * 10 + paragraph
            blocks.append(" ".join(
                f"In region {n % 37} the programme funded {n % 90 + 10} projects worth ${n % 9 + 1}.{n % 10} million,"
                f" and {n % 60 + 20}% of applicants were first-time recipients of public funding." for _ in range(5)))
    return "\n\n".join(blocks)


# Records, in the page, every state of the progress row and the gaps between animation frames while work runs.
WATCH = """() => {
  const label = document.getElementById("progress-label");
  const bar = document.getElementById("progress");
  const row = document.getElementById("progress-row");
  window.__progress = [];
  new MutationObserver(() => {
    if (!row.hidden) window.__progress.push({ text: label.textContent, value: bar.value, max: bar.max });
  }).observe(label, { childList: true, characterData: true, subtree: true });
  window.__gaps = [];
  let last = performance.now();
  const tick = (now) => { window.__gaps.push(now - last); last = now; if (!window.__stopTicks) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
}"""


def test_a_300_page_summary_shows_its_progress_and_stays_responsive(page, upstream):
    text = report()
    assert len(text.split()) >= PAGES * WORDS_PER_PAGE
    upstream.chunk_delay = 0.02  # each part's answer streams in over a little time, as a model's does
    upstream.responder = lambda request: "- The programme funded projects across the regions. [p2]\n- Most applicants were new. [p3]"
    # The Word host sends the whole .docx from getFileAsync as `document`; the preview has no file, so it is
    # handed the report the same way (the request is the one Word's pane makes).
    page.evaluate("""(content) => {
      window.__drafterHost.readForSummary = async () => ({
        document: { filename: "annual-report.md", content_base64: content }, skipped: [] });
    }""", base64.b64encode(text.encode()).decode())
    page.check('input[name="job"][value="summarize"]')
    page.evaluate(WATCH)
    page.click("#run")
    progress = page.locator("#progress-label")
    expect(progress).to_have_text(re.compile(r"^Reading the parts: \d+ of \d+ done$"), timeout=30_000)
    # The pane answers while the parts are read: a control changes at once, and Stop stays available.
    page.select_option("#summarize-format", "paragraph")
    assert page.input_value("#summarize-format") == "paragraph"
    expect(page.locator("#stop")).to_be_enabled()
    expect(page.locator("#status-text")).to_have_text("Done.", timeout=90_000)
    page.evaluate("window.__stopTicks = true")

    states = page.evaluate("window.__progress")
    reading = [s for s in states if s["text"].startswith("Reading the parts:")]
    counts = [tuple(map(int, re.match(r"Reading the parts: (\d+) of (\d+) done", s["text"]).groups())) for s in reading]
    totals = {total for _, total in counts}
    assert len(totals) == 1, totals
    total = totals.pop()
    assert total >= 20, f"a 300-page report in {total} parts"
    done = [d for d, _ in counts]
    assert done == sorted(done) and done[-1] == total and len(set(done)) >= total // 2  # counted up as parts came in
    assert all(s["max"] == total and s["value"] == d for s, (d, _) in zip(reading, counts, strict=True))  # the bar agrees
    later = {s["text"].split(":")[0] for s in states[len(reading):]}
    assert later & {"Combining the parts", "Writing the summary"}, later
    expect(page.locator("#progress-row")).to_be_hidden()
    expect(page.locator("#details")).to_contain_text(f"Read in {total} parts.")
    gaps = page.evaluate("window.__gaps")
    assert len(gaps) > 20 and max(gaps[2:]) < 1000, f"the page froze for {max(gaps[2:]):.0f} ms"


def test_a_streamed_result_appears_word_by_word(page, upstream):
    words = ("The department reviewed the pilot and recommends renewing it for three years with a simpler form "
             "and one contact point.").split()
    upstream.chunk_delay = 0.12
    upstream.queue_reply(" ".join(words))
    page.evaluate("""() => {
      const out = document.getElementById("output"), status = document.getElementById("status-text");
      window.__seen = [];
      new MutationObserver(() => window.__seen.push({ text: out.textContent, status: status.textContent }))
        .observe(out, { childList: true, characterData: true, subtree: true });
    }""")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.", timeout=30_000)
    final = " ".join(words)
    partial = [s["text"] for s in page.evaluate("window.__seen") if s["text"] and s["text"] != final and s["status"] != "Done."]
    # Several growing prefixes of the answer were on screen while the job still ran.
    assert len(set(partial)) >= 4, partial
    assert all(final.startswith(text.strip()) for text in partial), partial
    assert [len(t) for t in partial] == sorted(len(t) for t in partial)
    expect(page.locator("#output")).to_have_text(final)
