"""GET /metrics: the exposition parses, counters move as jobs run against the fake upstream, labels stay
bounded and anonymous, who may scrape, and gunicorn's workers added up (multiprocess mode)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from server.app import create_app
from server.config import ConfigError
from server.llm.metered import MeteredModel
from server.observability.metrics import MAX_MODEL_NAMES, DrafterMetrics
from tests.conftest import ROOT
from tests.serving import free_port, stop
from tests.test_api_audit import records, wait_for_records
from tests.test_api_jobs import sse_events

TEXT = "Please tell the residents of Elm Street that the consultation is extended."
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
TOKEN = "m" * 40  # a DRAFTER_METRICS_TOKEN


def parse(text: str) -> dict[tuple[str, frozenset], float]:
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def scrape(client, headers: dict | None = None) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", headers=headers or {}, buffered=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == CONTENT_TYPE
    assert response.headers["Cache-Control"] == "no-store"
    return parse(response.get_data(as_text=True))


def value(samples: dict, name: str, **labels) -> float | None:
    """The sample with exactly these labels; None when there is none."""
    return samples.get((name, frozenset(labels.items())))


def total(samples: dict, name: str, **labels) -> float:
    """The sum of the samples of `name` whose labels include these."""
    wanted = set(labels.items())
    return sum(v for (n, lbl), v in samples.items() if n == name and wanted <= lbl)


def post(client, path, **kw):
    return client.post(path, buffered=True, **kw)  # closed once sent, as a real server does


@pytest.fixture
def headers(client):
    token = post(client, "/dev/token", json={"name": "Ada Clerk", "email": "ada@agency.gov"}).get_json()
    return {"Authorization": f"Bearer {token['access_token']}", "X-Drafter-Host": "word"}


def test_counters_move_as_jobs_run(app, client, headers, upstream):
    before = scrape(client)
    assert value(before, "drafter_jobs_total", action="rewrite", outcome="ok") is None

    upstream.queue_reply("The consultation with Elm Street residents is extended.")
    rewritten = post(client, "/api/v1/rewrite", headers=headers, json={"text": TEXT})
    assert rewritten.status_code == 200
    blocked = post(client, "/api/v1/summarize", headers=headers, json={"text": "SECRET//NOFORN\nPlans."})
    assert blocked.status_code == 403
    for _ in range(3):  # the first try and MODEL_MAX_RETRIES=2
        upstream.queue_error(500, {"error": {"message": "boom"}})
    failed = post(client, "/api/v1/rewrite", headers=headers, json={"text": TEXT})
    assert failed.status_code == 502
    upstream.queue_reply("One two three four.")
    streamed = post(client, "/api/v1/rewrite", headers=headers, json={"text": TEXT, "stream": True})
    assert sse_events(streamed.data)[-1][0] == "result"
    wait_for_records(app, 4)

    after = scrape(client)
    rewrite = {"route": "/api/v1/rewrite", "method": "POST"}
    assert value(after, "drafter_http_requests_total", **rewrite, status="200") == 2
    assert value(after, "drafter_http_requests_total", **rewrite, status="502") == 1
    assert value(after, "drafter_http_requests_total", route="/api/v1/summarize", method="POST", status="403") == 1
    assert value(after, "drafter_http_request_duration_seconds_count", **rewrite, status="200") == 2
    assert value(after, "drafter_http_request_duration_seconds_sum", **rewrite, status="200") > 0
    assert value(after, "drafter_jobs_total", action="rewrite", outcome="ok") == 2
    assert value(after, "drafter_jobs_total", action="rewrite", outcome="upstream_error") == 1
    assert value(after, "drafter_jobs_total", action="summarize", outcome="blocked") == 1
    assert value(after, "drafter_errors_total", code="blocked_by_policy") == 1
    assert value(after, "drafter_errors_total", code="upstream_error") == 1
    assert value(after, "drafter_guard_actions_total", type="secret", action="block") == 1
    # the model: two answers (one whole, one streamed) and one call that failed after its retries
    upstream_call = {"endpoint": upstream.url, "model": "fake-model"}
    assert value(after, "drafter_upstream_request_duration_seconds_count", **upstream_call, mode="complete",
                 outcome="ok") == 1
    assert value(after, "drafter_upstream_request_duration_seconds_count", **upstream_call, mode="stream",
                 outcome="ok") == 1
    assert value(after, "drafter_upstream_request_duration_seconds_count", **upstream_call, mode="complete",
                 outcome="upstream_error") == 1
    assert value(after, "drafter_upstream_time_to_first_token_seconds_count", **upstream_call) == 1
    assert value(after, "drafter_job_time_to_first_token_seconds_count", action="rewrite") == 2
    # tokens: exactly what the audit records say, and what the answers reported
    audited = records(app)
    for kind in ("prompt", "completion"):
        counted = value(after, "drafter_tokens_total", model="fake-model", kind=kind)
        assert counted == sum(r[f"{kind}_tokens"] for r in audited) > 0
    assert value(after, "drafter_tokens_total", model="fake-model", kind="prompt") == (
        rewritten.get_json()["usage"]["prompt_tokens"] + sse_events(streamed.data)[-1][1]["usage"]["prompt_tokens"])
    assert value(after, "drafter_streams_in_flight", route="/api/v1/rewrite") == 0


def test_the_in_flight_gauge_follows_a_stream_also_when_the_caller_leaves(app, client, headers, upstream):
    gauge = {"route": "/api/v1/rewrite"}
    upstream.queue_reply("A short streamed answer.")
    stream = client.post("/api/v1/rewrite", headers=headers, json={"text": TEXT, "stream": True})
    assert value(scrape(client), "drafter_streams_in_flight", **gauge) == 1
    assert sse_events(b"".join(stream.response))[-1][0] == "result"
    stream.close()  # the server closes the response once its last event is out
    assert value(scrape(client), "drafter_streams_in_flight", **gauge) == 0

    upstream.chunk_delay = 0.05
    upstream.queue_reply(" ".join(["word"] * 400))
    left = client.post("/api/v1/rewrite", headers=headers, json={"text": TEXT, "stream": True})
    chunks = iter(left.response)
    for _ in range(3):
        next(chunks)
    assert value(scrape(client), "drafter_streams_in_flight", **gauge) == 1
    left.close()  # what the server does when the caller has gone
    assert upstream.wait_for_disconnect()
    after = scrape(client)
    assert value(after, "drafter_streams_in_flight", **gauge) == 0
    assert value(after, "drafter_jobs_total", action="rewrite", outcome="cancelled") == 1
    assert value(after, "drafter_upstream_request_duration_seconds_count", endpoint=upstream.url,
                 model="fake-model", mode="stream", outcome="cancelled") == 1
    assert value(after, "drafter_http_requests_total", route="/api/v1/rewrite", method="POST", status="200") == 2


def test_a_stream_that_fails_midway_counts_its_error_event(app, client, headers, upstream):
    upstream.queue_fault("cut", text="A reply that will not arrive whole, cut short on its way here.", after=3)
    response = post(client, "/api/v1/rewrite", headers=headers, json={"text": TEXT, "stream": True})
    assert response.status_code == 200 and sse_events(response.data)[-1][0] == "error"
    samples = scrape(client)
    assert value(samples, "drafter_errors_total", code="upstream_error") == 1
    assert value(samples, "drafter_upstream_request_duration_seconds_count", endpoint=upstream.url,
                 model="fake-model", mode="stream", outcome="upstream_error") == 1
    assert value(samples, "drafter_streams_in_flight", route="/api/v1/rewrite") == 0


def test_labels_hold_no_user_request_id_or_raw_path(app, client, headers, upstream):
    request_id = "trace-5f0c7e1d9a2b4c6e"
    upstream.queue_reply("Done.")
    assert post(client, "/api/v1/rewrite", headers={**headers, "X-Request-Id": request_id},
                json={"text": TEXT}).status_code == 200
    assert post(client, "/api/v1/no-such-thing-7c41d", headers=headers, json={}).status_code == 404
    assert client.open("/api/v1/rewrite", method="BREW", buffered=True).status_code == 405
    me = client.get("/api/v1/me", headers=headers, buffered=True).get_json()
    wait_for_records(app, 1)
    response = client.get("/metrics", buffered=True)
    text = response.get_data(as_text=True)
    pseudonym = app.extensions["drafter.audit"].store.pseudonym(me["tenant_id"], me["object_id"])
    for secret in (request_id, me["object_id"], me["tenant_id"], pseudonym, "ada@agency.gov", "Ada Clerk",
                   "no-such-thing-7c41d", "Elm Street"):
        assert secret not in text
    samples = parse(text)
    routes = {rule.rule for rule in app.url_map.iter_rules()} | {"unmatched"}
    for (_, labels) in samples:
        labels = dict(labels)
        assert labels.get("route", "/healthz") in routes
        assert labels.get("method", "GET") in {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"}
        assert re.fullmatch(r"[1-5][0-9][0-9]", labels.get("status", "200"))
        assert re.fullmatch(r"[a-z][a-z0-9_]*", labels.get("code", "x"))
    assert value(samples, "drafter_http_requests_total", route="unmatched", method="POST", status="404") == 1
    assert value(samples, "drafter_http_requests_total", route="unmatched", method="OTHER", status="405") == 1
    assert value(samples, "drafter_errors_total", code="not_found") == 1
    assert value(samples, "drafter_errors_total", code="method_not_allowed") == 1


# ---- who may scrape ----
ENTRA = {"AUTH_MODE": "entra", "PUBLIC_URL": "https://drafter.agency.test",
         "CLIENT_ID": "0c5f3d2e-0000-4000-8000-0000000d12af", "TENANT_IDS": ["72f988bf-0000-4000-8000-000000000001"]}


def test_entra_mode_without_a_token_serves_no_metrics(app_config):
    client = create_app({**app_config, **ENTRA}).test_client()
    response = client.get("/metrics", buffered=True)
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    assert "drafter_" not in response.get_data(as_text=True)


@pytest.mark.parametrize("mode", [{}, ENTRA])
def test_with_a_token_only_its_bearer_may_scrape(app_config, mode):
    client = create_app({**app_config, **mode, "METRICS_TOKEN": TOKEN}).test_client()
    for sent in ({}, {"Authorization": f"Bearer {TOKEN[:-1]}x"}, {"Authorization": f"Basic {TOKEN}"},
                 {"Authorization": f"Bearer {TOKEN.upper()}"}, {"Authorization": "Bearer"}):
        refused = client.get("/metrics", headers=sent, buffered=True)
        assert refused.status_code == 401, sent
        assert refused.get_json()["error"] == "unauthorized"
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert "drafter_" not in refused.get_data(as_text=True) and TOKEN not in refused.get_data(as_text=True)
    samples = scrape(client, {"Authorization": f"Bearer {TOKEN}"})
    assert value(samples, "drafter_http_requests_total", route="/metrics", method="GET", status="401") == 5
    assert value(samples, "drafter_errors_total", code="unauthorized") == 5


@pytest.mark.parametrize("token", ["short", "x" * 31, "a b" * 20, "é" * 40])
def test_a_weak_or_unsendable_metrics_token_is_refused_without_echoing_it(token):
    from server.config import load

    with pytest.raises(ConfigError) as refused:
        load(environ={"DRAFTER_AUTH_MODE": "dev", "DRAFTER_METRICS_TOKEN": token})
    assert str(refused.value).startswith("DRAFTER_METRICS_TOKEN: must be 32 to 512 visible ASCII")
    assert token not in str(refused.value)


# ---- the recording parts, on their own ----
class _Upstream:
    name, endpoint = "m", "http://model.internal/v1"

    def complete(self, messages, **kw):
        return "whole answer"


class _BrokenRecorder:
    def upstream_call(self, **kw):
        raise RuntimeError("metrics store gone")


def test_a_failing_recorder_never_costs_the_caller_its_answer(caplog):
    model = MeteredModel(_Upstream(), _BrokenRecorder())
    assert model.complete([{"role": "user", "content": "hi"}]) == "whole answer"
    assert model.name == "m" and model.endpoint == "http://model.internal/v1"
    assert "model call not recorded in metrics: RuntimeError" in caplog.text


def test_a_job_the_metrics_cannot_count_still_gets_its_audit_record(app, client, headers, upstream, monkeypatch,
                                                                   caplog):
    def broken(record):
        raise RuntimeError("metrics broken")

    monkeypatch.setattr(app.extensions["drafter.metrics"], "job_recorded", broken)
    upstream.queue_reply("Done.")
    response = post(client, "/api/v1/rewrite", headers=headers, json={"text": TEXT})
    assert response.status_code == 200
    [record] = wait_for_records(app, 1)
    assert record["request_id"] == response.get_json()["request_id"]
    assert f"job not counted in metrics: request {record['request_id']}: RuntimeError" in caplog.text


def test_model_names_an_upstream_reports_are_bounded():
    metrics = DrafterMetrics()
    for i in range(MAX_MODEL_NAMES + 5):
        metrics.job_recorded({"action": "rewrite", "outcome": "ok", "model": f"model-{i}", "prompt_tokens": 1,
                              "completion_tokens": 1, "findings": {"Weird Type!": 1}, "guard_actions": {}})
    samples = parse(metrics.exposition().decode())
    models = {dict(labels)["model"] for (name, labels) in samples if name == "drafter_tokens_total"}
    assert len(models) == MAX_MODEL_NAMES + 1 and "other" in models
    assert value(samples, "drafter_tokens_total", model="other", kind="prompt") == 5
    assert value(samples, "drafter_guard_actions_total", type="other", action="none") == MAX_MODEL_NAMES + 5


# ---- gunicorn: two workers, one sum ----
GUNICORN_CONF = """\
from server.observability import gunicorn_hooks

gunicorn_hooks.prepare_metrics_dir()
logconfig_dict = gunicorn_hooks.logconfig_dict()
child_exit = gunicorn_hooks.child_exit
on_exit = gunicorn_hooks.on_exit
"""



def _workers(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def _wait(condition, timeout: float = 20.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


def _seed_stale_values(directory: Path) -> None:
    """A previous run's file, as a worker of it left it: a server must start from zero, not from these."""
    from prometheus_client.mmap_dict import MmapedDict, mmap_key

    stale = MmapedDict(str(directory / "counter_99999.db"))
    labels = ["route", "method", "status"]
    stale.write_value(mmap_key("drafter_http_requests", "drafter_http_requests_total", labels,
                               ["/api/v1/rewrite", "POST", "200"], "stale"), 1000.0, 0.0)
    stale.close()


@pytest.mark.slow
def test_gunicorn_workers_add_up_and_a_dead_worker_leaves_no_stream_in_flight(tmp_path, upstream):
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text(GUNICORN_CONF)
    directory = tmp_path / "metrics"
    directory.mkdir()
    _seed_stale_values(directory)
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DRAFTER_INSTANCE_PATH": str(tmp_path / "instance"),
           "DRAFTER_AUTH_MODE": "dev", "DRAFTER_PUBLIC_URL": "http://localhost:3000",
           "DRAFTER_MODEL_PROVIDER": "openai", "DRAFTER_MODEL_BASE_URL": upstream.url,
           "DRAFTER_MODEL_NAME": "fake-model", "DRAFTER_LOG_LEVEL": "warning",
           "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    # sync workers: each serves one request at a time, so concurrent calls must be shared between the two
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(conf), "--worker-class", "sync",
                             "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                             "server.wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"

    def metrics() -> dict:
        response = requests.get(f"{url}/metrics", timeout=10)
        assert response.status_code == 200 and response.headers["Content-Type"] == CONTENT_TYPE
        return parse(response.text)

    try:
        def ready():
            if proc.poll() is not None:
                pytest.fail(f"gunicorn stopped: {proc.stderr.read()[-2000:]}")
            try:
                return requests.get(f"{url}/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False
        _wait(ready, 60, "gunicorn to serve")
        token = requests.post(f"{url}/dev/token", json={"name": "A", "email": "a@b.gov"}, timeout=10).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        upstream.latency = 0.4
        results: list[int] = []

        def rewrite():
            results.append(requests.post(f"{url}/api/v1/rewrite", headers=headers, json={"text": TEXT},
                                         timeout=30).status_code)
        callers = [threading.Thread(target=rewrite) for _ in range(6)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join()
        assert results == [200] * 6
        upstream.latency = 0.0
        served_by = {name.split("_")[-1] for name in os.listdir(directory) if name.startswith("counter_")}
        assert len(served_by - {"99999.db"}) == 2, "both workers should have served and written their counters"
        rewrite_ok = {"route": "/api/v1/rewrite", "method": "POST", "status": "200"}

        def all_counted() -> bool:  # a job is counted once its answer has gone out: a moment after the caller has it
            samples = metrics()
            return (value(samples, "drafter_http_requests_total", **rewrite_ok) == 6
                    and value(samples, "drafter_jobs_total", action="rewrite", outcome="ok") == 6)
        _wait(all_counted, 10, "the six jobs to be counted")
        for _ in range(4):  # whichever worker answers the scrape, the sum is the same
            samples = metrics()
            assert value(samples, "drafter_http_requests_total", **rewrite_ok) == 6
            assert value(samples, "drafter_jobs_total", action="rewrite", outcome="ok") == 6

        # a stream whose caller leaves: in flight while it runs, not after
        gauge = {"route": "/api/v1/rewrite"}
        upstream.chunk_delay = 0.1
        upstream.queue_reply(" ".join(["word"] * 300))
        with requests.post(f"{url}/api/v1/rewrite", headers=headers, json={"text": TEXT, "stream": True},
                           stream=True, timeout=30) as left:
            next(left.iter_content(64))
            assert value(metrics(), "drafter_streams_in_flight", **gauge) == 1
        _wait(lambda: value(metrics(), "drafter_streams_in_flight", **gauge) == 0, what="the stream to end")

        # a stream whose worker is killed: the dead worker's share of the gauge goes, its counters stay
        upstream.queue_reply(" ".join(["word"] * 300))
        held = requests.post(f"{url}/api/v1/rewrite", headers=headers, json={"text": TEXT, "stream": True},
                             stream=True, timeout=30)
        next(held.iter_content(64))
        assert value(metrics(), "drafter_streams_in_flight", **gauge) == 1
        old = _workers(proc.pid)
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        held.close()
        _wait(lambda: len(_workers(proc.pid) - old) == 2, 60, "new workers")
        _wait(ready, 60, "the new workers to serve")
        samples = metrics()
        # gone with its worker (the new workers have had no stream yet): without child_exit it would stay at 1
        assert value(samples, "drafter_streams_in_flight", **gauge) is None
        assert value(samples, "drafter_http_requests_total", **rewrite_ok) == 7  # 6 + the one whose caller left
        assert value(samples, "drafter_jobs_total", action="rewrite", outcome="ok") == 6
    finally:
        stop(proc)
    assert directory.is_dir()  # an operator's directory is emptied at start, never removed


def test_the_metrics_directory_is_private_and_removed_at_exit(tmp_path):
    script = (
        "import os, stat\n"
        "from server.observability import gunicorn_hooks as h\n"
        "path = h.prepare_metrics_dir()\n"
        "assert h.prepare_metrics_dir() == path  # a configuration reload keeps it\n"
        "assert os.environ['PROMETHEUS_MULTIPROC_DIR'] == path\n"
        "print(oct(stat.S_IMODE(os.stat(path).st_mode)))\n"
        "from server.observability.metrics import multiprocess_mode\n"
        "assert multiprocess_mode()\n"
        "h.on_exit(None)\n"
        "print(os.path.exists(path))\n")
    env = {"PATH": os.environ.get("PATH", ""), "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0o700", "False"]


def test_preparing_the_directory_after_prometheus_client_was_imported_is_refused():
    script = ("import prometheus_client\n"
              "from server.observability import gunicorn_hooks as h\n"
              "h.prepare_metrics_dir()\n")
    env = {"PATH": os.environ.get("PATH", "")}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    assert "prometheus_client was imported before the metrics directory was prepared" in done.stderr


class _Calls:
    def __init__(self):
        self.calls = []

    def upstream_call(self, **kw):
        self.calls.append(kw)


@pytest.mark.parametrize("read_to_the_end, outcome", [(True, "ok"), (False, "cancelled")])
def test_a_metered_stream_reads_through_closes_the_model_stream_and_reports_once(read_to_the_end, outcome):
    from server.llm.fake import FakeModel

    model = FakeModel(["one two three four"], piece_size=4)
    recorder = _Calls()
    stream = MeteredModel(model, recorder).stream([{"role": "user", "content": "hi"}])
    inner = stream._inner
    text = "".join(stream) if read_to_the_end else next(iter(stream))
    stream.close()
    stream.close()
    assert text == ("one two three four" if read_to_the_end else "one ")
    assert [call["outcome"] for call in recorder.calls] == [outcome]
    assert stream.model == inner.model and stream.first_chunk_at == inner.first_chunk_at is not None
    assert stream.usage is inner.usage and stream.finish_reason == inner.finish_reason
    with pytest.raises(StopIteration):
        next(inner)  # the model's own stream is closed: nothing more is read from upstream
