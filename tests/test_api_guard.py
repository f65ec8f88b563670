"""The policy guard end to end: block, route, redact and warn through the API, with the fake upstream
proving what left the service and what did not."""
from __future__ import annotations

import base64
import io
import json

import pytest
from docx import Document

from server.app import create_app
from server.config import ConfigError
from tests.test_api_jobs import sse_events

SSN = "123-45-6789"
IBAN = "FR76 3000 6000 0112 3456 7890 189"


def sent_text(upstream) -> str:
    """Everything the service sent the model, as one string."""
    return json.dumps([r["json"] for r in upstream.requests if r["method"] == "POST"], ensure_ascii=False)


def _sse_raw(pieces: list[str]) -> bytes:
    events = [{"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}]
    events += [{"choices": [{"index": 0, "delta": {"content": piece}}]} for piece in pieces]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in events) + b"data: [DONE]\n\n"


def _docx(*paragraphs: str) -> str:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return base64.b64encode(out.getvalue()).decode()


@pytest.mark.parametrize("stream", [False, True])
def test_classified_text_is_blocked_before_anything_is_sent(client, auth_headers, upstream, stream):
    response = client.post("/api/v1/rewrite", headers=auth_headers,
                           json={"text": "SECRET//NOFORN\nTroop movements for next week.", "stream": stream})
    assert response.status_code == 403
    body = response.get_json()
    assert body["error"] == "blocked_by_policy" and body["field"] == "text"
    assert body["message"].startswith("The text is marked SECRET//NOFORN.")
    assert body["request_id"] == response.headers["X-Request-Id"]
    assert body["guard"]["findings"] == [{"type": "secret", "count": 1, "action": "block"}]
    assert upstream.requests == []


def test_a_marked_attachment_blocks_a_draft_and_is_named(client, auth_headers, upstream):
    response = client.post("/api/v1/draft", headers=auth_headers, json={
        "instruction": "Draft a reply.",
        "attachments": [{"filename": "notes.txt", "content_base64": base64.b64encode(b"hello").decode()},
                        {"filename": "annex.docx", "content_base64": _docx("TOP SECRET", "Annex.", "TOP SECRET")}]})
    assert response.status_code == 403
    body = response.get_json()
    assert body["field"] == "attachments[1]"
    assert body["message"].startswith("The attachment annex.docx is marked TOP SECRET.")
    assert upstream.requests == []


def test_ids_are_redacted_on_the_way_out_and_restored_in_the_answer(client, auth_headers, upstream):
    upstream.responder = lambda request: "Refund confirmed for [SSN_1] to [IBAN_1]."
    response = client.post("/api/v1/rewrite", headers=auth_headers, json={
        "text": f"pls refund ssn {SSN} to {IBAN} asap",
        "history": [{"role": "user", "content": f"earlier: SSN {SSN}"}, {"role": "assistant", "content": "ok"}]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["text"] == f"Refund confirmed for {SSN} to {IBAN}."
    sent = sent_text(upstream)
    assert SSN not in sent and "3000 6000" not in sent
    assert sent.count("[SSN_1]") == 2 and "[IBAN_1]" in sent  # one placeholder per value, history included
    assert body["guard"] == {"enabled": True, "actions": ["redact"], "findings": [
        {"type": "ssn", "count": 2, "action": "redact"}, {"type": "iban", "count": 1, "action": "redact"}]}
    # the checks compare the real source with the real answer: the SSN is kept, nothing invented
    missing = [f["value"] for f in body["checks"]["facts"]["missing"]]
    assert SSN not in missing


def test_placeholders_split_across_streamed_chunks_come_back_whole(client, auth_headers, upstream):
    upstream.queue_raw_stream(_sse_raw(["Refund for [", "SS", "N_", "1", "] to [IBAN", "_1", "]", " done."]))
    response = client.post("/api/v1/rewrite", headers=auth_headers,
                           json={"text": f"refund {SSN} to {IBAN}", "stream": True})
    assert response.status_code == 200
    events = sse_events(response.data)
    deltas = "".join(data["text"] for name, data in events if name == "delta")
    assert deltas == f"Refund for {SSN} to {IBAN} done."
    assert not any("[" in data["text"] for name, data in events if name == "delta")
    assert events[-1][0] == "result" and events[-1][1]["text"] == f"Refund for {SSN} to {IBAN} done."
    assert SSN not in sent_text(upstream)


def test_a_document_is_redacted_in_every_call_of_a_long_summary(app_config, upstream):
    app = create_app({**app_config, "SUMMARY_CHUNK_TOKENS": 200, "MODEL_CONTEXT_WINDOW": 2048})
    client = app.test_client()
    token = client.post("/dev/token", json={"name": "A", "email": "a@b.gov"}).get_json()["access_token"]
    paragraphs = [f"Case {i}: claimant SSN 536-90-{4300 + i:04d} was paid on time." + " More detail." * 20
                  for i in range(12)]
    upstream.responder = lambda request: "- A claim was paid [p1]"
    response = client.post("/api/v1/summarize", headers={"Authorization": f"Bearer {token}"}, json={
        "document": {"filename": "cases.docx", "content_base64": _docx(*paragraphs)}})
    assert response.status_code == 200, response.get_json()
    calls = [r for r in upstream.requests if r["method"] == "POST"]
    assert len(calls) > 2  # chunked: several map calls and a final one
    sent = sent_text(upstream)
    assert "536-90-" not in sent and "[SSN_12]" in sent
    assert response.get_json()["guard"]["findings"] == [{"type": "ssn", "count": 12, "action": "redact"}]


def test_contacts_are_warned_about_and_sent(client, auth_headers, upstream):
    upstream.queue_reply("Write to jane.doe@agency.gov.")
    response = client.post("/api/v1/rewrite", headers=auth_headers,
                           json={"text": "write 2 jane.doe@agency.gov or call (202) 555-0143"})
    assert response.status_code == 200
    assert response.get_json()["guard"] == {"enabled": True, "actions": ["warn"], "findings": [
        {"type": "email", "count": 1, "action": "warn"}, {"type": "phone", "count": 1, "action": "warn"}]}
    assert "jane.doe@agency.gov" in sent_text(upstream)


@pytest.fixture
def sensitive_upstream():
    from tests.fakes.upstream import FakeUpstream

    with FakeUpstream(model="inhouse-model") as up:
        yield up


@pytest.fixture
def routed_client(app_config, tmp_path, sensitive_upstream, monkeypatch):
    monkeypatch.setenv("DRAFTER_SENSITIVE_KEY", "in-house-key")
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"""
routing:
  endpoints:
    sensitive:
      provider: openai
      base_url: {sensitive_upstream.url}
      model: inhouse-model
      api_key_env: DRAFTER_SENSITIVE_KEY
""")
    app = create_app({**app_config, "POLICY_FILE": str(policy), "MODEL_API_KEY": "main-key"})
    client = app.test_client()
    token = client.post("/dev/token", json={"name": "A", "email": "a@b.gov"}).get_json()["access_token"]
    return client, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("stream", [False, True])
def test_cui_goes_to_the_in_house_endpoint_only(routed_client, upstream, sensitive_upstream, stream):
    client, headers = routed_client
    sensitive_upstream.queue_reply("Rewritten case notes.")
    response = client.post("/api/v1/rewrite", headers=headers,
                           json={"text": "CUI//SP-PRVCY\nCase notes for the file.", "stream": stream})
    assert response.status_code == 200
    result = sse_events(response.data)[-1][1] if stream else response.get_json()
    assert result["text"] == "Rewritten case notes."
    assert result["model"] == "inhouse-model"
    assert result["guard"]["endpoint"] == "sensitive"
    assert result["guard"]["findings"] == [{"type": "cui", "count": 1, "action": "route"}]
    assert upstream.requests == []  # the main model never saw it
    sent = [r for r in sensitive_upstream.requests if r["method"] == "POST"]
    assert len(sent) == 1
    assert sent[0]["headers"]["Authorization"] == "Bearer in-house-key"  # its own key, never the main one


def test_unmarked_text_still_goes_to_the_main_model_when_routing_exists(routed_client, upstream, sensitive_upstream):
    client, headers = routed_client
    upstream.queue_reply("Plain rewrite.")
    response = client.post("/api/v1/rewrite", headers=headers, json={"text": "A plain note."})
    assert response.get_json()["text"] == "Plain rewrite."
    assert sensitive_upstream.requests == []


@pytest.mark.parametrize("policy, message", [
    ("guard:\n  rules:\n    - {detect: passport, action: block}\n",
     "DRAFTER_POLICY_FILE: guard.rules[0].detect: unknown type 'passport'"),
    ("guard:\n  rules:\n    - {detect: cui, action: route, endpoint: inhouse}\n",
     "DRAFTER_POLICY_FILE: guard.rules[0].endpoint 'inhouse' is not under routing.endpoints"),
    ("routing:\n  endpoints:\n    inhouse: {provider: openai, base_url: 'https://x.test/v1', model: m, "
     "api_key_env: DRAFTER_NOT_SET_ANYWHERE}\n",
     "DRAFTER_POLICY_FILE: routing.endpoints.inhouse.api_key_env: DRAFTER_NOT_SET_ANYWHERE is not set"),
    ("routing:\n  endpoints:\n    inhouse: {provider: openai, base_url: 'ftp://x', model: m}\n",
     "DRAFTER_POLICY_FILE: routing.endpoints.inhouse.base_url: must be an http or https URL"),
    ("routing:\n  endpoints:\n    inhouse: {provider: openai, model: m}\n",
     "DRAFTER_POLICY_FILE: routing.endpoints.inhouse.base_url is required"),
    ("routing:\n  endpoints:\n    inhouse: {provider: gemini}\n",
     "DRAFTER_POLICY_FILE: routing.endpoints.inhouse.provider must be openai or azure"),
    ("routing:\n  endpoints:\n    inhouse: {provider: openai, base_url: 'https://x.test/v1', model: m, "
     "api_key: sk-123}\n", "DRAFTER_POLICY_FILE: routing.endpoints.inhouse: unknown key 'api_key'"),
    ("routing:\n  endpoints:\n    In House: {provider: openai}\n",
     "DRAFTER_POLICY_FILE: routing.endpoints.In House: a name is lower-case letters"),
])
def test_policy_mistakes_stop_the_service_with_one_line(app_config, tmp_path, policy, message):
    path = tmp_path / "policy.yaml"
    path.write_text(policy)
    with pytest.raises(ConfigError) as caught:
        create_app({**app_config, "POLICY_FILE": str(path)})
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_a_disabled_guard_sends_everything_and_says_so(app_config, tmp_path, upstream):
    path = tmp_path / "policy.yaml"
    path.write_text("guard:\n  enabled: false\n")
    client = create_app({**app_config, "POLICY_FILE": str(path)}).test_client()
    token = client.post("/dev/token", json={"name": "A", "email": "a@b.gov"}).get_json()["access_token"]
    response = client.post("/api/v1/rewrite", headers={"Authorization": f"Bearer {token}"},
                           json={"text": f"SSN {SSN}"})
    assert response.get_json()["guard"] == {"enabled": False, "findings": [], "actions": []}
    assert SSN in sent_text(upstream)


@pytest.mark.parametrize("job, body", [
    ("rewrite", {"text": f"SSN {SSN}"}),
    ("review", {"text": "Reply", "context": f"My SSN is {SSN}, did you get it?"}),
    ("draft", {"instruction": "Reply to this.", "context": f"SSN {SSN}"}),
    ("summarize", {"text": f"Claimant SSN {SSN} was paid."}),
])
def test_every_job_is_screened(client, auth_headers, upstream, job, body):
    upstream.responder = lambda request: '{"findings": []}' if job == "review" else "- Done [p1]"
    response = client.post(f"/api/v1/{job}", headers=auth_headers, json=body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["guard"]["findings"] == [{"type": "ssn", "count": 1, "action": "redact"}]
    assert SSN not in sent_text(upstream) and "[SSN_1]" in sent_text(upstream)


# ---- the files' own sensitivity (MIP labels, header banners) decides too ----
def test_a_document_labelled_secret_is_blocked_by_its_label(client, auth_headers, upstream):
    from tests.test_api_documents import _labelled_docx
    from tests.test_documents_labels import GUID_A

    data = base64.b64encode(_labelled_docx("Secret", GUID_A, "A plain-looking body.")).decode()
    response = client.post("/api/v1/summarize", headers=auth_headers,
                           json={"document": {"filename": "plan.docx", "content_base64": data}})
    assert response.status_code == 403
    body = response.get_json()
    assert body["message"].startswith("The document plan.docx is marked Secret (its sensitivity label).")
    assert body["field"] == "document"
    assert upstream.requests == []


def test_a_banner_in_a_documents_header_blocks_it(client, auth_headers, upstream):
    from tests.test_documents_labels import _docx

    data = base64.b64encode(_docx("Ordinary body text.", "More text.", header="SECRET//NOFORN")).decode()
    response = client.post("/api/v1/draft", headers=auth_headers, json={
        "instruction": "Summarise for the minister.", "document": {"filename": "brief.docx", "content_base64": data}})
    assert response.status_code == 403
    assert response.get_json()["message"].startswith("The document brief.docx is marked SECRET//NOFORN.")
    assert upstream.requests == []


def test_a_label_the_admin_maps_to_nothing_lets_the_job_run(app_config, tmp_path, upstream):
    from tests.test_api_documents import _labelled_docx
    from tests.test_documents_labels import GUID_A

    path = tmp_path / "policy.yaml"
    path.write_text(f"guard:\n  labels:\n    - {{id: '{GUID_A}', type: none}}\n")
    client = create_app({**app_config, "POLICY_FILE": str(path)}).test_client()
    token = client.post("/dev/token", json={"name": "A", "email": "a@b.gov"}).get_json()["access_token"]
    upstream.queue_reply("- Plan. [p1]")
    data = base64.b64encode(_labelled_docx("Secret", GUID_A, "A plain-looking body.")).decode()
    response = client.post("/api/v1/summarize", headers={"Authorization": f"Bearer {token}"},
                           json={"document": {"filename": "plan.docx", "content_base64": data}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["guard"]["findings"] == []


def test_guard_fields_match_the_published_schemas(client, auth_headers, upstream):
    from jsonschema import Draft202012Validator

    from server.api.openapi import ERROR
    from server.assist.schemas import RESULTS

    upstream.queue_reply("Done for [SSN_1].")
    ok = client.post("/api/v1/rewrite", headers=auth_headers, json={"text": f"SSN {SSN}, mail a@b.gov"}).get_json()
    assert ok["guard"]["findings"] and list(Draft202012Validator(RESULTS["rewrite"]).iter_errors(ok)) == []
    blocked = client.post("/api/v1/rewrite", headers=auth_headers, json={"text": "SECRET\nx"}).get_json()
    assert blocked["guard"]["actions"] == ["block"]
    assert list(Draft202012Validator(ERROR).iter_errors(blocked)) == []
    assert "123-45" not in json.dumps(blocked) and "123-45" not in json.dumps(ok["guard"])  # counts, not values


def test_a_job_that_skipped_the_guard_cannot_send_anything():
    from server.governance.guarded_model import NotScreened, Unscreened
    from server.llm.fake import FakeModel

    model = FakeModel(["x"])
    unscreened = Unscreened(model)
    assert unscreened.context_window == model.context_window  # fitting may read it
    with pytest.raises(NotScreened):
        unscreened.complete([{"role": "user", "content": "SSN 123-45-6789"}])
    with pytest.raises(NotScreened):
        unscreened.stream([{"role": "user", "content": "SSN 123-45-6789"}])
    assert model.calls == []
