"""JSON logs: every line one JSON object carrying the request id (and the user's pseudonym) of the request it
belongs to, and never the document, the model's text or the caller's token, at DEBUG, in-process and under
gunicorn with its own lines included."""
from __future__ import annotations

import base64
import io
import json
import logging
import os
import subprocess
import sys
import time

import pytest
import requests

from server.app import create_app
from server.config import load
from server.errors import StoreUnavailable
from server.logging_setup import DrafterLogHandler
from server.observability.log_format import JsonFormatter
from tests.conftest import ROOT
from tests.serving import free_port, stop, wait_serving
from tests.test_api_audit import wait_for_records
from tests.test_api_jobs import sse_events
from tests.test_metrics import GUNICORN_CONF

# what callers send and the model answers: none of it may reach a log line
INPUT = "Quokka-Zanzibar-7731 asked whether the Marmoset ledger closes on Friday."
DOCUMENT = "Paragraph on Heliotrope-Basilisk-5519 and the annual report of the harbour board."
ANSWER = "Vermilion-Pangolin-4412 confirms the ledger closes on Friday."
UPSTREAM_ECHO = "Upstream-Echo-8823 refused your prompt"
RETENTION_POLICY = "retention:\n  content: true\n  days: 30\n"  # the store then holds text: SQL must not be logged
KEYS = {"time", "level", "logger", "message", "request_id", "user", "process"}
ACCESS_KEYS = {"method", "route", "status", "duration_ms"}


@pytest.fixture
def log_lines():
    """Drafter's handler on the root logger, writing to a buffer, with everything at DEBUG let through: SQLAlchemy
    too, as someone chasing a database problem would set it (it keeps itself at WARNING otherwise)."""
    buffer = io.StringIO()
    handler = DrafterLogHandler(buffer)
    root, sqlalchemy = logging.getLogger(), logging.getLogger("sqlalchemy")
    levels = root.level, sqlalchemy.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    sqlalchemy.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        sqlalchemy.setLevel(levels[1])


def lines_of(buffer: io.StringIO, start: int = 0) -> list[dict]:
    text = buffer.getvalue()[start:]
    assert text.endswith("\n") or not text
    return [json.loads(line) for line in text.splitlines()]


def secrets_of(token: str, me: dict) -> list[str]:
    _, payload, signature = token.split(".")
    return [INPUT, "Quokka-Zanzibar", DOCUMENT, "Heliotrope-Basilisk", ANSWER, "Vermilion-Pangolin",
            "Upstream-Echo-8823", token, payload, signature, "ada@agency.gov", "Ada Clerk", me["object_id"],
            me["tenant_id"]]


def test_json_lines_carry_the_request_id_and_pseudonym_and_no_text_or_token(app_config, upstream, tmp_path,
                                                                            log_lines):
    policy = tmp_path / "policy.yaml"
    policy.write_text(RETENTION_POLICY)
    app = create_app({**app_config, "LOG_FORMAT": "json", "LOG_LEVEL": "debug", "POLICY_FILE": str(policy),
                      "MODEL_MAX_RETRIES": 0, "SUMMARY_CHUNK_TOKENS": 64, "MODEL_CONTEXT_WINDOW": 2048})
    client = app.test_client()
    token = client.post("/dev/token", json={"name": "Ada Clerk", "email": "ada@agency.gov"},
                        buffered=True).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=headers, buffered=True).get_json()
    pseudonym = app.extensions["drafter.audit"].store.pseudonym(me["tenant_id"], me["object_id"])
    upstream.responder = lambda request_json: ANSWER
    document = {"filename": "board.txt", "content_base64": base64.b64encode(
        "\n\n".join(f"{DOCUMENT} Section {i}." for i in range(12)).encode()).decode()}
    calls = [
        ("/api/v1/rewrite", {"text": INPUT}, 200),
        ("/api/v1/rewrite", {"text": INPUT, "stream": True}, 200),
        ("/api/v1/summarize", {"document": document}, 200),  # chunks summarized on pool threads
        ("/api/v1/summarize", {"text": f"SECRET//NOFORN\n{INPUT}"}, 403),
        ("/api/v1/rewrite", {"text": INPUT, "tone": INPUT}, 400),
        ("/api/v1/documents/extract", document, 200),
        ("/api/v1/rewrite", {"text": INPUT}, 502),
    ]
    for path, body, status in calls:
        if status == 502:
            upstream.queue_error(500, {"error": {"message": f"{UPSTREAM_ECHO}: {INPUT}"}})
        start = len(log_lines.getvalue())
        response = client.post(path, headers=headers, json=body, buffered=True)
        assert response.status_code == status, response.get_data(as_text=True)[:300]
        if path == "/api/v1/rewrite" and body.get("stream"):
            assert sse_events(response.data)[-1][0] == "result"
        request_id = response.headers["X-Request-Id"]
        lines = lines_of(log_lines, start)
        assert lines, path
        for line in lines:  # every line logged while the request was handled, pool threads' included
            assert set(line) >= KEYS, line
            assert line["request_id"] == request_id, line
            assert line["user"] == pseudonym, line
        [access] = [line for line in lines if ACCESS_KEYS <= set(line)]
        assert (access["method"], access["route"], access["status"]) == ("POST", path, status)
        assert access["message"] == f"POST {path} {status} {access['duration_ms']} ms"
        if path == "/api/v1/summarize" and status == 200:
            model_calls = [line for line in lines if line["message"].startswith("model call done")]
            assert len(model_calls) >= 3, "the map stage's calls, made on pool threads, are in the request's lines"
    wait_for_records(app, 6)
    everything = log_lines.getvalue()
    for line in everything.splitlines():
        assert set(json.loads(line)) >= KEYS
    for secret in secrets_of(token, me):
        assert secret not in everything, f"{secret[:30]!r} reached the log"
    assert pseudonym in everything


def test_a_pseudonym_that_cannot_be_made_leaves_the_user_out_not_the_request(app_config, upstream, log_lines,
                                                                            monkeypatch):
    app = create_app({**app_config, "LOG_FORMAT": "json", "LOG_LEVEL": "debug"})
    client = app.test_client()
    token = client.post("/dev/token", json={"name": "Ada", "email": "ada@agency.gov"}, buffered=True).get_json()

    def unreadable(tenant_id, user_id):
        raise StoreUnavailable("the audit store cannot be reached")

    monkeypatch.setattr(app.extensions["drafter.audit"].store, "pseudonym", unreadable)
    start = len(log_lines.getvalue())
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"},
                          buffered=True)
    assert response.status_code == 200
    lines = lines_of(log_lines, start)
    assert any(line["message"] == "no pseudonym for the log: StoreUnavailable" for line in lines)
    assert all(line["user"] is None and line["request_id"] == response.headers["X-Request-Id"] for line in lines)


def test_text_in_dev_mode_json_in_entra_mode_unless_chosen():
    dev = {"DRAFTER_AUTH_MODE": "dev"}
    entra = {"DRAFTER_AUTH_MODE": "entra", "DRAFTER_CLIENT_ID": "0c5f3d2e-0000-4000-8000-0000000d12af",
             "DRAFTER_TENANT_IDS": "72f988bf-0000-4000-8000-000000000001",
             "DRAFTER_PUBLIC_URL": "https://drafter.agency.test"}
    assert load(environ=dev)["LOG_FORMAT"] == "text"
    assert load(environ=entra)["LOG_FORMAT"] == "json"
    assert load(environ={**dev, "DRAFTER_LOG_FORMAT": "json"})["LOG_FORMAT"] == "json"
    assert load(environ={**entra, "DRAFTER_LOG_FORMAT": "TEXT"})["LOG_FORMAT"] == "text"


def test_text_lines_carry_the_request_id_too(app_config, upstream, log_lines):
    client = create_app(app_config).test_client()  # dev mode without LOG_FORMAT: text
    upstream.queue_reply("Done.")
    token = client.post("/dev/token", json={"name": "A", "email": "a@b.gov"}, buffered=True).get_json()
    start = len(log_lines.getvalue())
    response = client.post("/api/v1/rewrite", headers={"Authorization": f"Bearer {token['access_token']}"},
                           json={"text": INPUT}, buffered=True)
    text = log_lines.getvalue()[start:]
    access = [line for line in text.splitlines() if "POST /api/v1/rewrite 200" in line]
    assert len(access) == 1
    assert f" INFO server.observability.request_hooks [{response.headers['X-Request-Id']}]: POST" in access[0]
    assert not text.lstrip().startswith("{")


def test_a_json_line_stays_one_line_whatever_the_message_holds():
    record = logging.LogRecord("server.x", logging.WARNING, __file__, 1, "odd %s", ("a\nb\u2028c\x85d\"é",), None)
    try:
        raise ValueError("with\na traceback")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert len(line.splitlines()) == 1 and line.isascii()
    parsed = json.loads(line)
    assert parsed["message"] == "odd a\nb\u2028c\x85d\"é"
    assert parsed["level"] == "WARNING" and parsed["request_id"] is None
    assert "ValueError: with\na traceback" in parsed["exception"]
    assert parsed["time"].endswith("Z")


# ---- under gunicorn: its own lines JSON too, and the same guarantees ----

@pytest.mark.slow
def test_every_line_under_gunicorn_is_json_with_no_text_or_token(tmp_path, upstream):
    conf = tmp_path / "gunicorn.conf.py"
    # as documented, plus the root logger at DEBUG so that every library's lines are there to be checked
    conf.write_text(GUNICORN_CONF + 'logconfig_dict["root"]["level"] = "DEBUG"\n')
    policy = tmp_path / "policy.yaml"
    policy.write_text(RETENTION_POLICY)
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DRAFTER_INSTANCE_PATH": str(tmp_path / "instance"),
           "DRAFTER_AUTH_MODE": "dev", "DRAFTER_PUBLIC_URL": "http://localhost:3000",
           "DRAFTER_MODEL_PROVIDER": "openai", "DRAFTER_MODEL_BASE_URL": upstream.url,
           "DRAFTER_MODEL_NAME": "fake-model", "DRAFTER_LOG_LEVEL": "debug", "DRAFTER_LOG_FORMAT": "json",
           "DRAFTER_POLICY_FILE": str(policy), "DRAFTER_MODEL_MAX_RETRIES": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(conf), "--workers", "2",
                             "--worker-class", "gthread", "--threads", "4", "--bind", f"127.0.0.1:{port}",
                             "--log-level", "debug", "server.wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    request_ids = []
    try:
        wait_serving(proc, url)
        token = requests.post(f"{url}/dev/token", json={"name": "Ada Clerk", "email": "ada@agency.gov"},
                              timeout=10).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        me = requests.get(f"{url}/api/v1/me", headers=headers, timeout=10).json()
        upstream.responder = lambda request_json: ANSWER
        answered = requests.post(f"{url}/api/v1/rewrite", headers=headers, json={"text": INPUT}, timeout=30)
        streamed = requests.post(f"{url}/api/v1/rewrite", headers=headers, json={"text": INPUT, "stream": True},
                                 timeout=30)
        upstream.queue_error(500, {"error": {"message": f"{UPSTREAM_ECHO}: {INPUT}"}})
        failed = requests.post(f"{url}/api/v1/rewrite", headers=headers, json={"text": INPUT}, timeout=30)
        assert (answered.status_code, streamed.status_code, failed.status_code) == (200, 200, 502)
        assert ANSWER in answered.text and "Vermilion-Pangolin" in streamed.text
        request_ids = [r.headers["X-Request-Id"] for r in (answered, streamed, failed)]
        time.sleep(0.5)  # the audit records (and their log lines) follow the answers
    finally:
        stdout, stderr = stop(proc)
    assert stdout == ""  # nothing on stdout: gunicorn's access log is off, the app's lines go to stderr
    lines = [json.loads(line) for line in stderr.splitlines()]  # every line, gunicorn's own included
    assert all(set(line) >= KEYS for line in lines)
    assert any(line["logger"] == "gunicorn.error" and line["message"].startswith("Starting gunicorn")
               for line in lines)
    access = {line["request_id"]: line for line in lines if ACCESS_KEYS <= set(line)}
    for request_id, status in zip(request_ids, (200, 200, 502), strict=True):
        assert access[request_id]["status"] == status and access[request_id]["route"] == "/api/v1/rewrite"
        assert access[request_id]["user"] and access[request_id]["user"].startswith("user-")
        model_lines = [line for line in lines if line["logger"] == "server.llm.openai_client"
                       and line["request_id"] == request_id]
        assert model_lines, "the model client's lines carry the request id"
    for secret in secrets_of(token, me):
        assert secret not in stderr, f"{secret[:30]!r} reached the log"
