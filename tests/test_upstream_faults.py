"""The upstream fault table, through the real service under gunicorn (one worker, two threads): each fault of the
model endpoint gives the caller its specified answer within the configured budget, the audit trail records
the outcome, and afterwards the service still answers normally (a thread left hanging would show: there
are only two)."""
from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from server.governance.store import AuditStore
from tests.conftest import ROOT
from tests.serving import free_port, stop, wait_serving
from tests.test_api_jobs import sse_events

BUDGET = 3.0  # DRAFTER_MODEL_TOTAL_BUDGET
READ_TIMEOUT = 1.0
SLACK = 2.5  # a loaded 2-core machine
TEXT = "Please tell the residents that the consultation has been extended by six weeks."

pytestmark = pytest.mark.slow




@pytest.fixture(scope="module")
def fake():
    from tests.fakes.upstream import FakeUpstream

    with FakeUpstream() as up:
        yield up


@pytest.fixture(scope="module")
def service(tmp_path_factory, fake):
    """gunicorn server.wsgi:app, one gthread worker with two threads, against the fake upstream."""
    workdir = tmp_path_factory.mktemp("faults")
    policy = workdir / "policy.yaml"
    policy.write_text("quotas:\n  user_requests_per_minute: 0\n")
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DRAFTER_INSTANCE_PATH": str(workdir / "instance"),
           "DRAFTER_AUTH_MODE": "dev", "DRAFTER_PUBLIC_URL": "http://localhost:3000",
           "DRAFTER_MODEL_PROVIDER": "openai", "DRAFTER_MODEL_BASE_URL": fake.url, "DRAFTER_MODEL_NAME": "fake-model",
           "DRAFTER_MODEL_TOTAL_BUDGET": str(BUDGET), "DRAFTER_MODEL_READ_TIMEOUT": str(READ_TIMEOUT),
           "DRAFTER_MODEL_CONNECT_TIMEOUT": "1", "DRAFTER_MODEL_MAX_RETRIES": "1",
           "DRAFTER_POLICY_FILE": str(policy), "DRAFTER_LOG_LEVEL": "warning"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "server.wsgi:app", "--worker-class", "gthread",
                             "--workers", "1", "--threads", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "0",
                             "--log-level", "warning"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    wait_serving(proc, url)
    token = requests.post(f"{url}/dev/token", json={"name": "Ada", "email": "ada@agency.gov"},
                          timeout=10).json()["access_token"]
    yield {"url": url, "headers": {"Authorization": f"Bearer {token}"},
           "store": AuditStore(f"sqlite:///{workdir / 'instance' / 'audit.sqlite3'}")}
    stop(proc, timeout=20)


def _queue(fake, kind: str) -> None:
    """Script the fake for both attempts (the first try and its one retry)."""
    for _ in range(2):
        if kind == "429":
            fake.queue_error(429, headers={"Retry-After": "1"})
        elif kind in ("500", "502", "503"):
            fake.queue_error(int(kind))
        elif kind == "trickle":
            fake.queue_fault("trickle", delay=0.2)
        elif kind == "cut":
            fake.queue_fault("cut", after=3)
        elif kind == "huge_chunk":
            fake.queue_fault("huge_chunk", size=1 << 20)
        else:
            fake.queue_fault(kind)


# fault, streamed?, (HTTP status, error code or None), the stream's last event, audit outcome
TABLE = [
    ("429", False, 429, "rate_limited", None, "rate_limited"),
    ("429", True, 429, "rate_limited", None, "rate_limited"),
    ("500", False, 502, "upstream_error", None, "upstream_error"),
    ("502", False, 502, "upstream_error", None, "upstream_error"),
    ("503", True, 502, "upstream_error", None, "upstream_error"),
    ("refuse", False, 502, "upstream_error", None, "upstream_error"),  # accepted, then the connection closed
    ("silent", False, 504, "upstream_timeout", None, "upstream_error"),
    ("silent", True, 504, "upstream_timeout", None, "upstream_error"),
    ("trickle", False, 504, "upstream_timeout", None, "upstream_error"),
    ("trickle", True, 504, "upstream_timeout", None, "upstream_error"),
    ("cut", False, 502, "upstream_error", None, "upstream_error"),
    ("cut", True, 200, None, "error", "upstream_error"),  # text already out: an error event ends the stream
    ("invalid_json", False, 502, "upstream_error", None, "upstream_error"),
    ("invalid_json", True, 502, "upstream_error", None, "upstream_error"),
    ("huge_chunk", False, 200, None, None, "ok"),
    ("huge_chunk", True, 200, None, "result", "ok"),
]


@pytest.mark.parametrize("fault, stream, status, code, last_event, outcome", TABLE,
                         ids=[f"{row[0]}-{'stream' if row[1] else 'json'}" for row in TABLE])
def test_each_fault_gets_its_answer_within_the_budget(service, fake, fault, stream, status, code, last_event,
                                                      outcome):
    _queue(fake, fault)
    started = time.monotonic()
    response = requests.post(f"{service['url']}/api/v1/rewrite", headers=service["headers"],
                             json={"text": TEXT, "stream": stream}, timeout=BUDGET * 3 + SLACK)
    elapsed = time.monotonic() - started
    assert elapsed < BUDGET + SLACK, f"{fault}: answered after {elapsed:.1f} s"
    assert response.status_code == status, response.text[:300]
    request_id = response.headers["X-Request-Id"]
    if code is not None:
        body = response.json()
        assert body["error"] == code and body["request_id"] == request_id and body["message"]
        if status == 429:
            assert int(response.headers["Retry-After"]) >= 1
    if last_event is not None:
        events = sse_events(response.content)
        assert events[-1][0] == last_event
        if last_event == "error":
            assert events[-1][1]["error"] == "upstream_error" and events[-1][1]["request_id"] == request_id
            assert any(name == "delta" for name, _ in events)
    if fault == "huge_chunk":
        text = events[-1][1]["text"] if stream else response.json()["text"]
        assert len(text) > 1_000_000 - 100
    # the audit trail has this request, with its outcome
    record = _record(service["store"], request_id)
    assert record["outcome"] == outcome
    # and the service still answers normally, at once
    _drain(fake)
    fake.queue_reply("The consultation has been extended.")
    after = requests.post(f"{service['url']}/api/v1/rewrite", headers=service["headers"], json={"text": TEXT},
                          timeout=10)
    assert after.status_code == 200 and after.json()["text"] == "The consultation has been extended."


def test_a_model_nobody_listens_for_is_502_within_the_budget(tmp_path, upstream):
    from server.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    app = create_app({"AUTH_MODE": "dev", "INSTANCE_PATH": str(tmp_path / "instance"), "MODEL_PROVIDER": "openai",
                      "MODEL_BASE_URL": f"http://127.0.0.1:{closed}/v1", "MODEL_NAME": "m",
                      "MODEL_TOTAL_BUDGET": BUDGET, "MODEL_CONNECT_TIMEOUT": 1.0, "MODEL_MAX_RETRIES": 1})
    client = app.test_client()
    token = client.post("/dev/token", json={"name": "A", "email": "a@b.gov"}).get_json()["access_token"]
    started = time.monotonic()
    response = client.post("/api/v1/rewrite", json={"text": TEXT}, headers={"Authorization": f"Bearer {token}"},
                           buffered=True)
    assert time.monotonic() - started < BUDGET + SLACK
    assert response.status_code == 502 and "cannot be reached (connection refused)" in response.get_json()["message"]
    record = _record(app.extensions["drafter.audit"].store, response.get_json()["request_id"])
    assert record["outcome"] == "upstream_error"


def _record(store: AuditStore, request_id: str, timeout: float = 10.0) -> dict:
    today = dt.datetime.now(dt.UTC).date()
    deadline = time.monotonic() + timeout
    while True:
        found = [r for r in store.records(today - dt.timedelta(days=1), today + dt.timedelta(days=1))
                 if r["request_id"] == request_id]
        if found or time.monotonic() > deadline:
            assert found, f"no audit record for {request_id}"
            return found[0]
        time.sleep(0.05)


def _drain(fake) -> None:
    """Forget scripted answers a fault left unused (a fault answered on the first try leaves the retry's)."""
    with fake._lock:
        fake._queue.clear()
    json.dumps(None)
