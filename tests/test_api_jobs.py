"""The HTTP API of the jobs, through the real app against the fake upstream model on loopback."""
from __future__ import annotations

import json
import threading
import time

import pytest


def sse_events(body: bytes | str) -> list[tuple[str, dict]]:
    text = body.decode() if isinstance(body, bytes) else body
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


def test_jobs_need_a_token(client):
    response = client.post("/api/v1/rewrite", json={"text": "Hello."})
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"] == "unauthorized"
    assert body["request_id"] == response.headers["X-Request-Id"]


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-a-token", "token abc"])
def test_bad_authorization_headers(client, header):
    response = client.post("/api/v1/rewrite", json={"text": "Hello."}, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_rewrite_json(client, auth_headers, upstream):
    upstream.queue_reply("The meeting has moved to 3 p.m.; please be on time.")
    response = client.post("/api/v1/rewrite", headers=auth_headers,
                           json={"text": "hey all, meeting moved to 3pm, dont be late", "tone": "formal"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["text"] == "The meeting has moved to 3 p.m.; please be on time."
    assert body["request_id"] == response.headers["X-Request-Id"]
    assert body["model"]
    assert body["usage"]["total_tokens"] > 0
    assert "facts" in body["checks"] and "readability" in body["checks"]
    assert body["guard"] == {"enabled": True, "findings": [], "actions": []}  # the default policy ran: nothing found
    sent = upstream.requests[-1]["json"]
    assert "meeting moved to 3pm" in json.dumps(sent["messages"])


def test_rewrite_streams_deltas_then_result(client, auth_headers, upstream):
    upstream.queue_reply("Please arrive at three o'clock sharp for the meeting.")
    response = client.post("/api/v1/rewrite", headers=auth_headers,
                           json={"text": "come at 3 for the meeting", "stream": True})
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    events = sse_events(response.data)
    names = [name for name, _ in events]
    assert names[-1] == "result" and names.count("result") == 1 and "error" not in names
    deltas = "".join(data["text"] for name, data in events if name == "delta")
    assert deltas == "Please arrive at three o'clock sharp for the meeting."
    assert events[-1][1]["text"] == deltas
    assert events[-1][1]["request_id"] == response.headers["X-Request-Id"]


def test_accept_header_also_asks_for_a_stream(client, auth_headers, upstream):
    upstream.queue_reply("Short.")
    response = client.post("/api/v1/rewrite", json={"text": "Make this short please."},
                           headers={**auth_headers, "Accept": "text/event-stream"})
    assert response.mimetype == "text/event-stream"
    assert sse_events(response.data)[-1][0] == "result"


@pytest.mark.parametrize(("job", "body"), [
    ("summarize", {"text": "First paragraph about budgets.\n\nSecond paragraph about staff."}),
    ("draft", {"instruction": "Thank the team for the audit report.", "kind": "email"}),
    ("review", {"text": "We will answer next week.", "context": "When will you answer? Who pays?"}),
])
def test_every_job_answers_json_and_stream(client, auth_headers, job, body):
    plain = client.post(f"/api/v1/{job}", headers=auth_headers, json=body)
    assert plain.status_code == 200, plain.get_json()
    assert plain.get_json()["request_id"]
    streamed = client.post(f"/api/v1/{job}", headers=auth_headers, json={**body, "stream": True})
    events = sse_events(streamed.data)
    assert events[-1][0] == "result", events[-1]
    assert set(plain.get_json()) == set(events[-1][1])


@pytest.mark.parametrize(("body", "status", "field"), [
    ({}, 400, "text"),
    ({"text": ""}, 400, "text"),
    ({"text": "   \n "}, 400, "text"),
    ({"text": 42}, 400, "text"),
    ({"text": "Hello.", "tone": "sarcastic"}, 400, "tone"),
    ({"text": "Hello.", "length": "tiny"}, 400, "length"),
    ({"text": "Hello.", "preset": "no-such-preset"}, 400, "preset"),
    ({"text": "Hello.", "colour": "blue"}, 400, "colour"),
    ({"text": "Hello.", "history": [{"role": "system", "content": "x"}]}, 400, "history[0].role"),
    ({"text": "x" * 400_001}, 413, "text"),
])
def test_bad_rewrite_bodies(client, auth_headers, upstream, body, status, field):
    response = client.post("/api/v1/rewrite", headers=auth_headers, json=body)
    assert response.status_code == status
    error = response.get_json()
    assert error["error"] == ("too_large" if status == 413 else "invalid_request")
    assert error["field"] == field
    assert error["message"]
    assert upstream.requests == []  # nothing reached the model


@pytest.mark.parametrize(("data", "content_type", "status", "message"), [
    ("{not json", "application/json", 400, "not valid JSON"),
    ("[1, 2]", "application/json", 400, "must be a JSON object"),
    # JSON only: any other type is 415 unsupported_type (tests/test_security_headers.py tries every JSON endpoint)
    ("text=hello", "application/x-www-form-urlencoded", 415, "Content-Type: application/json"),
])
def test_malformed_bodies(client, auth_headers, data, content_type, status, message):
    response = client.post("/api/v1/rewrite", headers=auth_headers, data=data, content_type=content_type)
    assert response.status_code == status
    assert response.get_json()["error"] == {400: "invalid_request", 415: "unsupported_type"}[status]
    assert message in response.get_json()["message"]


def test_body_over_the_limit_is_413(app_config, upstream):
    from server.app import create_app

    app = create_app({**app_config, "MAX_BODY_BYTES": 2048})
    client = app.test_client()
    token = client.post("/dev/token", json={"name": "A", "email": "a@b.gov"}).get_json()["access_token"]
    body = json.dumps({"text": "x" * 5000}).encode()
    response = client.post("/api/v1/rewrite", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413
    error = response.get_json()
    assert error["error"] == "too_large" and error["request_id"]
    # the sizes, the setting, and the ways a large file still gets in
    assert f"The request is {len(body):,} bytes" in error["message"]
    assert "at most 2,048 bytes per request (DRAFTER_MAX_BODY_BYTES)" in error["message"]
    assert "over about 1 KB" in error["message"] and "multipart upload to /api/v1/documents/extract" in error["message"]


def test_upstream_429_is_retried_then_429_with_retry_after(client, auth_headers, upstream):
    for _ in range(3):  # the first try and both retries
        upstream.queue_error(429, headers={"Retry-After": "1"})
    response = client.post("/api/v1/rewrite", headers=auth_headers, json={"text": "Hello there."})
    assert response.status_code == 429
    assert response.get_json()["error"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1
    assert len(upstream.requests) == 3


def test_upstream_429_then_success(client, auth_headers, upstream):
    upstream.queue_error(429, headers={"Retry-After": "0"})
    upstream.queue_reply("Hello, everyone.")
    response = client.post("/api/v1/rewrite", headers=auth_headers, json={"text": "hi all"})
    assert response.status_code == 200
    assert response.get_json()["text"] == "Hello, everyone."


def test_upstream_down_is_502_within_the_budget(app_config):
    from server.app import create_app

    app = create_app({**app_config, "MODEL_BASE_URL": "http://127.0.0.1:9/v1", "MODEL_TOTAL_BUDGET": 3.0})
    client = app.test_client()
    token = client.post("/dev/token", json={"name": "A", "email": "a@b.gov"}).get_json()["access_token"]
    started = time.monotonic()
    response = client.post("/api/v1/rewrite", json={"text": "Hello."}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 502
    assert response.get_json()["error"] == "upstream_error"
    assert time.monotonic() - started < 3.0 + 2.0  # the budget, plus slack for a loaded machine


def test_upstream_silent_is_504(app_config, upstream):
    from server.app import create_app

    upstream.queue_fault("silent")
    app = create_app({**app_config, "MODEL_READ_TIMEOUT": 1.0, "MODEL_TOTAL_BUDGET": 2.0, "MODEL_MAX_RETRIES": 0})
    client = app.test_client()
    token = client.post("/dev/token", json={"name": "A", "email": "a@b.gov"}).get_json()["access_token"]
    response = client.post("/api/v1/rewrite", json={"text": "Hello."}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 504
    assert response.get_json()["error"] == "upstream_timeout"


def test_stream_cut_midway_ends_with_an_error_event(client, auth_headers, upstream):
    upstream.queue_fault("cut")
    response = client.post("/api/v1/rewrite", headers=auth_headers, json={"text": "Hello there.", "stream": True})
    events = sse_events(response.data)
    assert events[-1][0] == "error"
    assert events[-1][1]["error"] == "upstream_error"
    assert events[-1][1]["request_id"] == response.headers["X-Request-Id"]
    assert not any(name == "result" for name, _ in events)


def test_error_before_the_first_event_keeps_its_status_when_streaming(client, auth_headers, upstream):
    upstream.queue_error(400, body={"error": {"message": "bad model", "type": "invalid_request_error"}})
    response = client.post("/api/v1/rewrite", headers=auth_headers, json={"text": "Hello.", "stream": True})
    assert response.status_code == 502
    assert response.get_json()["error"] == "upstream_error"


def test_client_disconnect_stops_the_upstream_request(client, auth_headers, upstream):
    upstream.chunk_delay = 0.05
    upstream.queue_reply(" ".join(["word"] * 400))
    response = client.post("/api/v1/rewrite", headers=auth_headers, json={"text": "Hello.", "stream": True},
                           buffered=False)
    stream = response.response
    first = next(iter(stream))
    assert b"delta" in first or b"progress" in first
    response.close()  # what the server does when the client goes away
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not upstream.disconnects:
        time.sleep(0.05)
    assert upstream.disconnects, "the upstream stream was not closed when the client left"


def test_presets_list(client, auth_headers):
    response = client.get("/api/v1/presets", headers=auth_headers)
    assert response.status_code == 200
    ids = {p["id"] for p in response.get_json()["presets"]}
    assert {"tone.formal", "tone.plain", "proofread", "translate", "draft.memo", "draft.letter", "draft.briefing",
            "draft.reply"} <= ids


def test_me(client, auth_headers):
    body = client.get("/api/v1/me", headers=auth_headers).get_json()
    assert body["name"] == "Ada Clerk" and body["username"] == "ada@agency.gov" and body["roles"] == []


def test_unknown_route_and_method_use_the_error_shape(client, auth_headers):
    missing = client.get("/api/v1/nothing-here", headers=auth_headers)
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    wrong = client.get("/api/v1/rewrite", headers=auth_headers)
    assert wrong.status_code == 405 and wrong.get_json()["error"] == "method_not_allowed"


def test_concurrent_requests_all_succeed(client, auth_headers, upstream):
    results = []

    def call():
        results.append(client.post("/api/v1/rewrite", headers=auth_headers, json={"text": "Hi."}).status_code)
    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 8


@pytest.mark.parametrize(("job", "body"), [
    ("rewrite", {"text": "hey all, meeting moved to 3pm, dont be late", "tone": "formal"}),
    ("rewrite", {"text": "Their going too the meeting.", "preset": "proofread"}),
    ("summarize", {"text": "Budgets rose 4%.\n\nStaff fell to 120.", "format": "bullets"}),
    ("draft", {"instruction": "Thank the team.", "kind": "memo", "format": "html"}),
    ("draft", {"instruction": "Thank the team.", "kind": "letter", "format": "docx"}),
    ("review", {"text": "We will answer soon.", "context": "When? Who pays?"}),
])
def test_results_match_the_published_schema(client, auth_headers, job, body):
    from jsonschema import Draft202012Validator

    from server.assist.schemas import RESULTS

    response = client.post(f"/api/v1/{job}", headers=auth_headers, json=body)
    assert response.status_code == 200, response.get_json()
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}"
              for e in Draft202012Validator(RESULTS[job]).iter_errors(response.get_json())]
    assert errors == []
    assert set(response.get_json()) <= set(RESULTS[job]["properties"])  # nothing undocumented either


def test_error_bodies_match_the_published_schema(client, auth_headers):
    from jsonschema import Draft202012Validator

    from server.api.openapi import ERROR

    response = client.post("/api/v1/rewrite", headers=auth_headers, json={"text": ""})
    assert list(Draft202012Validator(ERROR).iter_errors(response.get_json())) == []


@pytest.mark.parametrize(("stream", "upstream_streams"), [(False, False), (True, True)])
def test_the_model_streams_only_when_the_caller_does(client, auth_headers, upstream, stream, upstream_streams):
    upstream.queue_reply("Hello, everyone.")
    response = client.post("/api/v1/rewrite", headers=auth_headers, json={"text": "hi all", "stream": stream})
    assert response.status_code == 200
    assert bool(upstream.requests[-1]["json"].get("stream")) is upstream_streams


def test_odd_digit_runs_in_the_text_never_fail_the_job(client, auth_headers, upstream):
    upstream.queue_reply("The total stays 4.200.000,501.500.")
    response = client.post("/api/v1/rewrite", headers=auth_headers, json={"text": "Total 4.200.000,501.500 now."})
    assert response.status_code == 200
    assert response.get_json()["checks"]["facts"]["missing"] == []
