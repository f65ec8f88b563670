"""The audit trail through the API: one record per job, for every outcome, with no text unless retention is on."""
from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from server.app import create_app
from server.errors import StoreUnavailable
from tests.test_api_jobs import sse_events

TEXT = "Please tell the residents of Elm Street that the consultation is extended."
SSN = "123-45-6789"


def records(app, **kw) -> list[dict]:
    today = dt.datetime.now(dt.UTC).date()
    return list(app.extensions["drafter.audit"].store.records(today - dt.timedelta(days=1),
                                                              today + dt.timedelta(days=1), **kw))


def wait_for_records(app, count: int, timeout: float = 5.0, **kw) -> list[dict]:
    """Records are written once the answer has gone out (a stream's when it ends): wait for them."""
    deadline = time.monotonic() + timeout
    while True:
        found = records(app, **kw)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def post(client, path, **kw):
    """A call as a real server makes it: the response is closed once sent (which writes JSON answers' records)."""
    return client.post(path, buffered=True, **kw)


@pytest.fixture
def headers(client):
    token = client.post("/dev/token", json={"name": "Ada Clerk", "email": "ada@agency.gov"}).get_json()["access_token"]
    return {"Authorization": f"Bearer {token}", "X-Drafter-Host": "word"}


def test_a_job_leaves_one_record_without_its_text(app, client, headers, upstream, tmp_path):
    upstream.queue_reply("The consultation with Elm Street residents is extended.")
    response = post(client, "/api/v1/rewrite", headers=headers, json={"text": TEXT, "tone": "formal"})
    assert response.status_code == 200
    [record] = wait_for_records(app, 1)
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert record["request_id"] == response.get_json()["request_id"]
    assert (record["tenant_id"], record["user_id"]) == (me["tenant_id"], me["object_id"])
    assert record["upn"] is None  # only with DRAFTER_AUDIT_UPN
    assert (record["host"], record["action"], record["outcome"], record["error_code"]) == (
        "word", "rewrite", "ok", None)
    assert record["model"] == "fake-model" and record["endpoint"] == upstream.url
    usage = response.get_json()["usage"]
    assert (record["prompt_tokens"], record["completion_tokens"]) == (usage["prompt_tokens"], usage["completion_tokens"])
    assert record["latency_ms"] >= 0 and record["ttft_ms"] is not None
    assert record["findings"] == {} and record["guard_actions"] == {} and record["label"] is None
    # neither the text nor the answer is anywhere in the store
    database = (tmp_path / "instance" / "audit.sqlite3").read_bytes()
    for fragment in (b"Elm Street", b"consultation"):
        assert fragment not in database
    assert records(app, include_content=True)[0]["content"] is None


def test_a_stream_records_its_time_to_first_token(app, client, headers, upstream):
    upstream.queue_reply("One two three four.")
    response = post(client, "/api/v1/rewrite", headers=headers, json={"text": TEXT, "stream": True})
    assert sse_events(response.data)[-1][0] == "result"
    [record] = wait_for_records(app, 1)
    assert record["outcome"] == "ok" and record["ttft_ms"] is not None and record["ttft_ms"] <= record["latency_ms"]
    assert record["completion_tokens"] > 0


def test_redacted_and_blocked_jobs_say_so_with_counts_only(app, client, headers, upstream):
    upstream.queue_reply("Done for [SSN_1].")
    post(client, "/api/v1/rewrite", headers=headers, json={"text": f"SSN {SSN}, mail a@b.gov"})
    blocked = post(client, "/api/v1/summarize", headers=headers, json={"text": "SECRET//NOFORN\nPlans."})
    assert blocked.status_code == 403
    redacted, refused = wait_for_records(app, 2)
    assert redacted["outcome"] == "redacted"
    assert redacted["findings"] == {"ssn": 1, "email": 1}
    assert redacted["guard_actions"] == {"ssn": "redact", "email": "warn"}
    assert (refused["outcome"], refused["error_code"], refused["action"]) == ("blocked", "blocked_by_policy",
                                                                            "summarize")
    assert refused["findings"] == {"secret": 1} and refused["label"] == {"classification": "secret",
                                                                        "mip_name": None, "mip_id": None}
    assert refused["prompt_tokens"] == refused["completion_tokens"] == 0
    assert SSN not in json.dumps(records(app), default=str)


def test_upstream_failures_and_rate_limits_are_recorded(app_config, upstream):
    app = create_app({**app_config, "MODEL_MAX_RETRIES": 0})
    client = app.test_client()
    token = client.post("/dev/token", json={"name": "A", "email": "a@b.gov"}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    upstream.queue_error(500, {"error": {"message": "boom"}})
    assert post(client, "/api/v1/rewrite", headers=headers, json={"text": TEXT}).status_code == 502
    upstream.queue_error(429, {"error": {"message": "slow down"}}, headers={"Retry-After": "1"})
    assert post(client, "/api/v1/rewrite", headers=headers, json={"text": TEXT}).status_code == 429
    failed, limited = wait_for_records(app, 2)
    assert (failed["outcome"], failed["error_code"]) == ("upstream_error", "upstream_error")
    assert (limited["outcome"], limited["error_code"]) == ("rate_limited", "rate_limited")
    assert failed["host"] == "unknown"  # no X-Drafter-Host: not from the pane


def test_a_bad_request_is_recorded_as_an_error(app, client, headers, upstream):
    assert post(client, "/api/v1/rewrite", headers=headers, json={"text": ""}).status_code == 400
    assert post(client, "/api/v1/draft", headers=headers, json={"instruction": "x", "preset": "no.such"}).status_code == 400
    empty, unknown = wait_for_records(app, 2)
    assert (empty["outcome"], empty["error_code"], empty["action"]) == ("error", "invalid_request", "rewrite")
    assert unknown["preset"] == "no.such"


def test_a_caller_who_leaves_mid_stream_is_recorded_as_cancelled(app, client, headers, upstream):
    upstream.chunk_delay = 0.05
    upstream.queue_reply(" ".join(["word"] * 400))
    response = client.post("/api/v1/rewrite", headers=headers, json={"text": TEXT, "stream": True},
                           buffered=False)
    chunks = iter(response.response)
    for _ in range(4):
        next(chunks)
    response.close()
    [record] = wait_for_records(app, 1)
    assert record["outcome"] == "cancelled" and record["error_code"] is None
    assert record["completion_tokens"] > 0  # what was generated before the caller left still counts
    assert record["ttft_ms"] is not None


def test_content_is_kept_only_when_retention_is_on(app_config, tmp_path, upstream):
    policy = tmp_path / "policy.yaml"
    policy.write_text("retention:\n  content: true\n  days: 30\n")
    app = create_app({**app_config, "POLICY_FILE": str(policy), "AUDIT_UPN": True})
    client = app.test_client()
    token = client.post("/dev/token", json={"name": "A", "email": "ada@agency.gov"}).get_json()["access_token"]
    upstream.queue_reply("Rewritten.")
    post(client, "/api/v1/rewrite", headers={"Authorization": f"Bearer {token}"},
                json={"text": TEXT, "instruction": "Be brief."})
    [record] = wait_for_records(app, 1, include_content=True)
    assert record["content"] == {"input": f"instruction:\nBe brief.\n\ntext:\n{TEXT}", "output": "Rewritten."}
    assert record["upn"] == "ada@agency.gov"


def test_the_chain_verifies_after_a_mix_of_jobs(app, client, headers, upstream):
    upstream.queue_reply("A.")
    post(client, "/api/v1/rewrite", headers=headers, json={"text": TEXT})
    post(client, "/api/v1/rewrite", headers=headers, json={"text": "SECRET\nx"})
    post(client, "/api/v1/rewrite", headers=headers, json={"text": ""})
    wait_for_records(app, 3)
    report = app.extensions["drafter.audit"].store.verify()
    assert report.ok and report.count == 3


def test_a_store_that_fails_does_not_take_the_answer_away(app, client, headers, upstream, monkeypatch, caplog):
    def broken(record):
        raise StoreUnavailable("the audit store cannot be reached")
    monkeypatch.setattr(app.extensions["drafter.audit"].store, "append", broken)
    upstream.queue_reply("Rewritten text.")
    response = post(client, "/api/v1/rewrite", headers=headers, json={"text": TEXT})
    assert response.status_code == 200 and response.get_json()["text"] == "Rewritten text."
    lines = [r.getMessage() for r in caplog.records if "audit record not written" in r.getMessage()]
    assert lines and response.get_json()["request_id"] in lines[0] and "Elm Street" not in lines[0]


def test_records_go_to_postgresql_when_configured(app_config, postgres_url, upstream):
    app = create_app({**app_config, "DATABASE_URL": postgres_url})
    try:
        client = app.test_client()
        token = client.post("/dev/token", json={"name": "A", "email": "a@b.gov"}).get_json()["access_token"]
        upstream.queue_reply("Rewritten.")
        post(client, "/api/v1/rewrite", headers={"Authorization": f"Bearer {token}", "X-Drafter-Host": "outlook"},
             json={"text": TEXT})
        [record] = wait_for_records(app, 1)
        assert (record["host"], record["outcome"]) == ("outlook", "ok")
        assert app.extensions["drafter.audit"].store.verify().ok
    finally:
        app.extensions["drafter.audit"].store.close()
