"""server/gunicorn.conf.py under the real gunicorn: the service starts from it, and on SIGTERM running streams
finish (within the graceful bound) while new connections are refused."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.conftest import ROOT
from tests.serving import free_port, stop, wait_serving

pytestmark = pytest.mark.slow




def _start(tmp_path, upstream, grace: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DRAFTER_INSTANCE_PATH": str(tmp_path / "instance"),
           "DRAFTER_AUTH_MODE": "dev", "DRAFTER_PUBLIC_URL": "http://localhost:3000",
           "DRAFTER_MODEL_PROVIDER": "openai", "DRAFTER_MODEL_BASE_URL": upstream.url,
           "DRAFTER_MODEL_NAME": "fake-model", "DRAFTER_LOG_LEVEL": "warning",
           "GUNICORN_BIND": f"127.0.0.1:{port}",
           # the configuration file as shipped, made lighter for a test machine and a short grace
           "GUNICORN_CMD_ARGS": f"--workers 1 --threads 8 --graceful-timeout {grace}"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "server/gunicorn.conf.py",
                             "server.wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    wait_serving(proc, url)
    return proc, url


def _stream(url: str, out: dict) -> None:
    token = requests.post(f"{url}/dev/token", json={"name": "A", "email": "a@b.gov"}, timeout=10).json()
    with requests.post(f"{url}/api/v1/rewrite", json={"text": "Hello there.", "stream": True}, stream=True,
                       headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=60) as response:
        body = b""
        try:
            for piece in response.iter_content(chunk_size=None):
                body += piece
                if b"event: delta" in body:
                    out["started"].set()
        except requests.RequestException as exc:
            out["error"] = type(exc).__name__
    out["body"] = body
    out["ended"] = time.monotonic()


def _sigterm_during_a_stream(tmp_path, upstream, *, grace: float, words: int, delay: float) -> dict:
    upstream.chunk_delay = delay
    upstream.queue_reply(" ".join(["word"] * words))
    proc, url = _start(tmp_path, upstream, grace)
    out = {"started": threading.Event()}
    reader = threading.Thread(target=_stream, args=(url, out))
    try:
        reader.start()
        assert out["started"].wait(30), "the stream never started"
        proc.send_signal(signal.SIGTERM)
        out["signalled"] = time.monotonic()
        time.sleep(0.5)
        # new work is not taken on (the master has closed its listener; a worker finishing its streams no longer
        # accepts): refused, or left unanswered, so a load balancer sends it elsewhere
        with pytest.raises((requests.ConnectionError, requests.Timeout)):
            requests.get(f"{url}/healthz", timeout=2)
        reader.join(60)
        proc.wait(timeout=grace + 30)
        out["exited"] = time.monotonic()
        out["code"] = proc.returncode
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    return out


def test_a_running_stream_finishes_after_sigterm(tmp_path, upstream):
    out = _sigterm_during_a_stream(tmp_path, upstream, grace=20, words=60, delay=0.05)  # about 3 s of stream
    assert b"event: result" in out["body"], out["body"][-300:]
    assert out["code"] == 0
    assert out["exited"] - out["signalled"] < 20


def test_a_stream_longer_than_the_grace_is_cut_at_the_bound(tmp_path, upstream):
    out = _sigterm_during_a_stream(tmp_path, upstream, grace=2, words=400, delay=0.05)  # 20 s of stream
    assert b"event: result" not in out.get("body", b"")
    assert out["exited"] - out["signalled"] < 2 + 5  # the bound, plus the time gunicorn takes to stop


def test_the_shipped_configuration_adds_every_workers_metrics_up(tmp_path, upstream):
    """/metrics under the shipped file: two workers' requests counted together, whichever answers."""
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DRAFTER_INSTANCE_PATH": str(tmp_path / "instance"),
           "DRAFTER_AUTH_MODE": "dev", "DRAFTER_PUBLIC_URL": "http://localhost:3000",
           "DRAFTER_MODEL_PROVIDER": "openai", "DRAFTER_MODEL_BASE_URL": upstream.url,
           "DRAFTER_MODEL_NAME": "fake-model", "DRAFTER_LOG_LEVEL": "warning",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_CMD_ARGS": "--workers 2 --threads 2"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "server/gunicorn.conf.py",
                             "server.wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_serving(proc, url)
        for _ in range(40):  # new connections each time: both workers take some
            requests.get(f"{url}/healthz", headers={"Connection": "close"}, timeout=5)

        def healthz_count() -> float:
            text = requests.get(f"{url}/metrics", headers={"Connection": "close"}, timeout=5).text
            return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                       if line.startswith("drafter_http_requests_total{") and 'route="/healthz"' in line)
        counts = {healthz_count() for _ in range(6)}
        assert counts and min(counts) >= 40  # every scrape sees both workers' requests, not one worker's
    finally:
        stop(proc)
