"""The pane's side of governance in a real browser against the real app and the fake upstream model, with the
default policy: what the policy guard did said in the result panel (ids redacted, a CUI text routed to the
approved endpoint, contacts warned about, a blocked job's reason with its request id), the quota left from
/api/v1/me (stubbed in the browser, since the service's quotas are built separately) and a 429's plain message,
the X-Drafter-Host header the app sees from each host, and provenance stamps recorded by the preview host.
Chromium is launched by the fixtures of tests/test_preview_browser.py."""
from __future__ import annotations

import json
import re

import pytest

from tests import test_preview_browser as preview_browser
from tests.test_preview_browser import serving

browser = preview_browser.browser
served = preview_browser.served
page = preview_browser.page
open_taskpane = preview_browser.open_taskpane
expect = preview_browser.expect

pytestmark = pytest.mark.browser

SSN = "123-45-6789"
IBAN = "FR76 3000 6000 0112 3456 7890 189"
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")




@pytest.fixture
def seen_hosts(app):
    """(method, path, X-Drafter-Host) of every API call as the app itself received it (WSGI environ)."""
    seen: list[tuple[str, str, str | None]] = []
    inner = app.wsgi_app

    def capture(environ, start_response):
        if environ["PATH_INFO"].startswith(("/api/", "/dev/")):
            seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], environ.get("HTTP_X_DRAFTER_HOST")))
        return inner(environ, start_response)

    app.wsgi_app = capture
    return seen


@pytest.fixture
def open_preview(browser, served):
    """A signed-in preview page of its own: a locale, a time zone, and routes installed before it loads."""
    contexts = []
    errors: list[str] = []

    def open_page(mode="word", *, base=None, locale="en-GB", routes=()):
        context = browser.new_context(viewport={"width": 420, "height": 1400}, locale=locale, timezone_id="UTC")
        contexts.append(context)
        for pattern, handler in routes:
            context.route(pattern, handler)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base or served}/addin/preview.html?mode={mode}")
        page.fill("#user-name", "Ada Clerk")
        page.fill("#user-email", "ada@agency.gov")
        page.click("#sign-in [type=submit]")
        page.wait_for_selector("#signed-in:not([hidden])")
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == [], errors


def run_job(page, text=None, *, done="Done."):
    if text is not None:
        page.fill("#doc", text)
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text(done)


def sent_to(upstream) -> str:
    return json.dumps([r["json"] for r in upstream.requests if r["method"] == "POST"], ensure_ascii=False)


# ---- the guard notice ----

def test_redacted_ids_are_named_and_said_to_be_put_back(page, upstream):
    upstream.responder = lambda request: "Please refund [SSN_1] to [IBAN_1] today."
    run_job(page, f"pls refund ssn {SSN} to {IBAN} asap")
    expect(page.locator("#output")).to_have_text(f"Please refund {SSN} to {IBAN} today.")
    expect(page.locator("#guard-notice")).to_have_text(
        "2 personal identifiers (US Social Security number, IBAN) were replaced by placeholders before sending, "
        "and put back in the result.")
    assert page.get_attribute("#guard-notice", "role") == "status"
    assert SSN not in sent_to(upstream) and "[SSN_1]" in sent_to(upstream)
    assert REQUEST_ID.match(page.text_content("#result-request-id"))
    expect(page.locator("#result-request")).to_be_visible()


def test_contacts_are_reported_as_sent(page, upstream):
    upstream.queue_reply("Write to jane.doe@agency.gov or call (202) 555-0143.")
    run_job(page, "write 2 jane.doe@agency.gov or call (202) 555-0143")
    expect(page.locator("#guard-notice")).to_have_text(
        "Contains an email address and a phone number (sent as is; your organisation asks you to be aware).")
    assert "jane.doe@agency.gov" in sent_to(upstream)


def test_a_clean_job_says_nothing_and_clears_an_earlier_notice(page, upstream):
    upstream.queue_reply("Write to jane.doe@agency.gov.")
    run_job(page, "write 2 jane.doe@agency.gov")
    expect(page.locator("#guard-notice p")).to_have_count(1)
    upstream.queue_reply("A plain note.")
    run_job(page, "A plain note with nothing in it.")
    expect(page.locator("#guard-notice p")).to_have_count(0)
    assert page.text_content("#guard-notice") == ""


def test_the_notice_speaks_french(open_preview, upstream):
    page = open_preview(locale="fr-FR")
    upstream.responder = lambda request: "Remboursez [SSN_1]."
    run_job(page, f"Remboursez le SSN {SSN}.", done="Terminé.")
    expect(page.locator("#guard-notice")).to_have_text(
        "1 identifiant personnel (numéro de sécurité sociale américain) a été remplacé par un marqueur avant l’envoi, "
        "puis rétabli dans le résultat.")


@pytest.fixture
def routed(app_config, tmp_path, monkeypatch):
    """The app with a `sensitive` routing endpoint (its own fake upstream): the default policy routes CUI there."""
    from server.app import create_app
    from tests.fakes.upstream import FakeUpstream

    monkeypatch.setenv("DRAFTER_SENSITIVE_KEY", "in-house-key")
    with FakeUpstream(model="inhouse-model") as sensitive:
        policy = tmp_path / "policy.yaml"
        policy.write_text("routing:\n  endpoints:\n    sensitive:\n      provider: openai\n"
                          f"      base_url: {sensitive.url}\n      model: inhouse-model\n"
                          "      api_key_env: DRAFTER_SENSITIVE_KEY\n")
        with serving(create_app({**app_config, "POLICY_FILE": str(policy)})) as url:
            yield url, sensitive


def test_a_cui_text_goes_to_the_approved_endpoint_and_says_so(open_preview, routed, upstream):
    url, sensitive = routed
    page = open_preview(base=url)
    sensitive.queue_reply("Case notes, rewritten.")
    run_job(page, "CUI//SP-PRVCY\nCase notes for the file.")
    expect(page.locator("#output")).to_have_text("Case notes, rewritten.")
    expect(page.locator("#guard-notice")).to_have_text(
        "This was sent to “sensitive” (the model approved for such material) because it is marked CUI.")
    assert [r for r in upstream.requests if r["method"] == "POST"] == []  # the main model never saw it
    assert "Model: inhouse-model" in page.text_content("#details")


@pytest.mark.parametrize(("text", "reason"), [
    ("SECRET//NOFORN\nTroop movements for next week.",
     "The text is marked SECRET//NOFORN. Classified material must not be sent to the AI model."),
    ("CUI//SP-PRVCY\nCase notes for the file.",
     "The text is marked CUI//SP-PRVCY (Controlled Unclassified Information), and no approved model endpoint for "
     "CUI is configured, so it cannot be sent."),
])
def test_a_blocked_job_shows_the_services_reason_and_request_id(page, upstream, text, reason):
    page.fill("#doc", text)
    with page.expect_response("**/api/v1/rewrite") as answer:
        page.click("#run")
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error-message")).to_have_text(reason)
    assert answer.value.status == 403
    expect(page.locator("#error-request-id")).to_have_text(answer.value.headers["x-request-id"])
    expect(page.locator("#error-request-row")).to_be_visible()
    assert page.text_content("#output") == "" and page.text_content("#guard-notice") == ""
    expect(page.locator("#result-request")).to_be_hidden()
    expect(page.locator("#apply-replace")).to_be_disabled()
    assert upstream.requests == []


# ---- the quota ----

RESETS = "2030-01-02T00:00:00Z"


def me_with_quota(*quotas):
    """A route handler answering /api/v1/me with the service's real answer plus the next quota (the last repeats)."""
    calls = []

    def handle(route):
        calls.append(route.request.headers.get("x-drafter-host"))
        answer = route.fetch()
        body = answer.json()
        body["quota"] = quotas[min(len(calls), len(quotas)) - 1]
        route.fulfill(response=answer, json=body)

    return handle, calls


def tokens(remaining, limit=200_000):
    return {"requests_per_minute": {"limit": 30, "remaining": 29},
            "tokens_today": {"limit": limit, "used": limit - remaining, "remaining": remaining, "resets_at": RESETS},
            "tenant_tokens_today": None}


def test_the_quota_is_shown_after_sign_in_and_refreshed_after_each_job(open_preview, upstream):
    handle, calls = me_with_quota(tokens(12_400), tokens(9_000))
    page = open_preview(routes=[("**/api/v1/me", handle)])
    expect(page.locator("#quota")).to_have_text("Today: 12,400 of 200,000 tokens left (renewed at 00:00).")
    upstream.queue_reply("Shorter.")
    run_job(page)
    expect(page.locator("#quota")).to_have_text("Today: 9,000 of 200,000 tokens left (renewed at 00:00).")
    assert len(calls) == 2 and set(calls) == {"preview"}


@pytest.mark.parametrize("quota", ["missing", None, {"requests_per_minute": None, "tokens_today": None,
                                                     "tenant_tokens_today": None}])
def test_no_quota_from_the_service_shows_nothing(open_preview, upstream, quota):
    fetched = []

    def me(route):  # the service's own /me, with `quota` absent (a service without quotas yet), null, or all null
        fetched.append(1)
        answer = route.fetch()
        body = {key: value for key, value in answer.json().items() if key != "quota"}
        route.fulfill(response=answer, json=body if quota == "missing" else {**body, "quota": quota})

    page = open_preview(routes=[("**/api/v1/me", me)])
    upstream.queue_reply("Shorter.")
    with page.expect_response("**/api/v1/me"):  # the refresh after the job has been answered
        run_job(page)
    expect(page.locator("#quota")).to_be_hidden()
    assert page.text_content("#quota") == ""
    assert len(fetched) == 2  # asked after sign-in and after the job


def test_a_rate_limit_is_said_plainly_with_when_to_try_again(open_preview, upstream):
    handle, _ = me_with_quota(tokens(120), tokens(0))

    def limited(route):
        route.fulfill(status=429, headers={"Retry-After": "120", "X-Request-Id": "rl-0123456789"}, json={
            "error": "rate_limited", "message": "You have used today's 200,000 tokens.", "request_id": "rl-0123456789"})

    page = open_preview(routes=[("**/api/v1/me", handle), ("**/api/v1/rewrite", limited)])
    page.click("#run")
    expect(page.locator("#error-message")).to_have_text(
        "You have reached a usage limit set by your organisation. You have used today's 200,000 tokens. "
        "Try again in 2 minutes.")
    expect(page.locator("#error-request-id")).to_have_text("rl-0123456789")
    expect(page.locator("#quota")).to_have_text("You have used all 200,000 of today's tokens; more at 00:00.")
    assert upstream.requests == []


def test_the_quota_speaks_french(open_preview):
    handle, _ = me_with_quota({**tokens(12_400), "tenant_tokens_today": {
        "limit": 5_000_000, "used": 4_990_000, "remaining": 10_000, "resets_at": RESETS}})
    page = open_preview(locale="fr-FR", routes=[("**/api/v1/me", handle)])
    expect(page.locator("#quota p")).to_have_count(2)
    lines = [line.replace("\u202f", " ").replace("\xa0", " ") for line in page.locator("#quota p").all_text_contents()]
    assert lines == ["Aujourd’hui : 12 400 jetons restants sur 200 000 (renouvelés à 00:00).",
                     "Votre organisation : 10 000 jetons restants sur 5 000 000 aujourd’hui (renouvelés à 00:00)."]


# ---- X-Drafter-Host: which application each call came from ----

def test_every_call_from_the_preview_says_preview(seen_hosts, page, upstream):
    upstream.queue_reply("Shorter.")
    run_job(page)
    paths = {path for _, path, _ in seen_hosts}
    assert {"/dev/token", "/api/v1/presets", "/api/v1/me", "/api/v1/rewrite"} <= paths
    assert {host for _, _, host in seen_hosts} == {"preview"}, seen_hosts


@pytest.mark.parametrize(("office_host", "expected"), [("Word", "word"), ("Outlook", "outlook")])
def test_the_task_pane_says_which_office_application(seen_hosts, open_taskpane, office_host, expected):
    page = open_taskpane(host=office_host)
    page.fill("#user-name", "Ada Clerk")
    page.fill("#user-email", "ada@agency.gov")
    page.click("#sign-in [type=submit]")
    expect(page.locator("#signed-in")).to_be_visible()
    page.wait_for_function("() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/api/v1/me'))")
    calls = [(path, host) for _, path, host in seen_hosts]
    assert {"/dev/token", "/api/v1/presets", "/api/v1/me"} <= {path for path, _ in calls}
    assert {host for _, host in calls} == {expected}, calls


# ---- provenance: the request ids of applied edits, recorded by the preview host ----

def host_log(page, op):
    return page.evaluate("(op) => window.__drafterHostLog.filter((e) => e.op === op)", op)


def rewrite_and_apply(page, upstream, reply, choice="replace"):
    upstream.queue_reply(reply)
    with page.expect_response("**/api/v1/rewrite") as answer:
        page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    request_id = answer.value.headers["x-request-id"]
    expect(page.locator("#result-request-id")).to_have_text(request_id)
    page.click(f"#apply-{choice}")
    expect(page.locator("#error")).to_be_hidden()
    return request_id


def test_an_applied_edit_is_stamped_and_its_undo_removes_the_stamp(page, upstream):
    request_id = rewrite_and_apply(page, upstream, "A shorter memo.")
    expect(page.locator("#provenance-note")).to_have_text(
        f"Request {request_id} is recorded in this document's properties (DrafterAIEdits), so this edit can be "
        "traced to its audit record.")
    stamps = host_log(page, "stampProvenance")
    assert [(s["requestId"], s["changed"], s["properties"]) for s in stamps] == [
        (request_id, True, {"DrafterAIEdits": request_id})]
    expect(page.locator("#host-log li").last).to_have_text(
        f"Recorded request {request_id} in the document's properties (DrafterAIEdits).")
    page.set_viewport_size({"width": 320, "height": 1200})  # the narrowest task pane: nothing scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.click("#undo")
    expect(page.locator("#status-text")).to_have_text("The last apply was undone.")
    expect(page.locator("#provenance-note")).to_have_text(
        f"Request {request_id} was removed from this document's properties with the edit.")
    assert [(u["requestId"], u["properties"]) for u in host_log(page, "unstampProvenance")] == [(request_id, {})]


def test_each_result_is_recorded_once_in_order_and_survives_undoing_a_second_apply(page, upstream):
    first = rewrite_and_apply(page, upstream, "First version.")
    page.click("#apply-below")  # the same result again: recorded once
    expect(page.locator("#status-text")).to_have_text("Inserted below in the document.")
    page.click("#undo")  # undoes the second apply only: the first still stands, so its id stays
    expect(page.locator("#status-text")).to_have_text("The last apply was undone.")
    assert host_log(page, "unstampProvenance") == []
    page.locator("#doc").evaluate("(box) => box.setSelectionRange(0, 0)")
    second = rewrite_and_apply(page, upstream, "Second version.", "below")
    assert host_log(page, "stampProvenance")[-1]["properties"] == {"DrafterAIEdits": f"{first} {second}"}
    assert [s["changed"] for s in host_log(page, "stampProvenance")] == [True, False, True]


def test_a_draft_inserted_in_word_is_stamped(page, upstream):
    upstream.queue_reply("A new paragraph.")
    page.check('input[name="job"][value="draft"]')
    page.fill("#draft-instruction", "Add a closing line")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    page.click("#insert-draft")
    expect(page.locator("#status-text")).to_have_text("Inserted at the cursor.")
    request_id = page.text_content("#result-request-id")
    assert [s["requestId"] for s in host_log(page, "stampProvenance")] == [request_id]


def test_outlook_records_no_stamp_and_says_nothing_about_it(open_preview, upstream):
    page = open_preview("outlook-compose")
    upstream.queue_reply("Thanks, Jordan.")
    page.click("#run")
    expect(page.locator("#status-text")).to_have_text("Done.")
    page.click("#apply-replace")
    expect(page.locator("#status-text")).to_have_text("Replaced in the message.")
    assert host_log(page, "stampProvenance") == []
    assert page.text_content("#provenance-note") == ""


def test_a_word_without_wordapi_1_3_says_why_nothing_was_recorded(page, upstream):
    page.evaluate("""() => {
      const host = window.__drafterHost;
      const capabilities = host.capabilities.bind(host);
      host.capabilities = () => ({ ...capabilities(), provenance: { available: false,
        reason: "Recording request ids in the document's properties needs Word 2019 or Microsoft 365 (WordApi 1.3)." } });
    }""")
    rewrite_and_apply(page, upstream, "A shorter memo.")
    expect(page.locator("#provenance-note")).to_have_text(
        "Not recorded in the document: Recording request ids in the document's properties needs Word 2019 or "
        "Microsoft 365 (WordApi 1.3).")
    assert host_log(page, "stampProvenance") == []
    assert page.input_value("#doc") == "A shorter memo."


def test_a_failed_stamp_keeps_the_edit_and_says_so(page, upstream):
    page.evaluate("""() => { window.__drafterHost.stampProvenance = async () => {
      throw new Error("The document is read-only."); }; }""")
    rewrite_and_apply(page, upstream, "A shorter memo.")
    expect(page.locator("#provenance-note")).to_have_text(
        "The edit was made, but its request id could not be recorded in the document's properties: "
        "The document is read-only.")
    assert page.input_value("#doc") == "A shorter memo."
    expect(page.locator("#status-text")).to_have_text("Replaced in the document.")
