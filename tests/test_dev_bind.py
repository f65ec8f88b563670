"""Dev mode never serves beyond loopback, however the service is started: gunicorn (tests/test_wsgi_gunicorn.py),
gunicorn --preload, `make run` (server/devserver.py), `flask run` and app.run(). Each wide start is refused, and
each has a loopback start beside it that serves, so the refusal is the bind's doing and nothing else's."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from server.auth import dev_bind
from server.config import ConfigError
from tests.conftest import ROOT
from tests.serving import free_port
from tests.test_wsgi_gunicorn import _config_lines, _finished

NOT_LOOPBACK = "dev mode only runs bound to loopback"


def _env(tmp_path, **settings) -> dict:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DRAFTER_INSTANCE_PATH": str(tmp_path / "instance"),
            "DRAFTER_AUTH_MODE": "dev", "DRAFTER_MODEL_PROVIDER": "openai",
            "DRAFTER_MODEL_BASE_URL": "http://127.0.0.1:9/v1", "DRAFTER_MODEL_NAME": "fake",
            "DRAFTER_LOG_LEVEL": "warning", **settings}


def _start(tmp_path, args: list[str], **settings) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=_env(tmp_path, **settings),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _first_answer(proc: subprocess.Popen, url: str, **kw) -> requests.Response:
    """The first answer the server gives at `url`; fails if it exits or stays silent for a minute."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return requests.get(url, timeout=5, **kw)
        except (requests.ConnectionError, requests.Timeout):
            if proc.poll() is not None or time.monotonic() > deadline:
                _stop(proc)
                pytest.fail(f"no answer at {url}: {proc.communicate()[1][-2000:]}")
            time.sleep(0.2)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and every worker it started
        try:
            proc.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


def _serves(tmp_path, args: list[str], port: int, **settings) -> requests.Response:
    proc = _start(tmp_path, args, **settings)
    try:
        return _first_answer(proc, f"http://127.0.0.1:{port}/healthz")
    finally:
        _stop(proc)


# ---- servers that load the app before they bind: refused at the first request ----

def _preload(bind: str) -> list[str]:
    return ["-m", "gunicorn", "server.wsgi:app", "--preload", "--workers", "2", "--bind", bind,
            "--log-level", "warning"]


def test_gunicorn_preload_beyond_loopback_serves_nothing(tmp_path):
    port = free_port()
    refused = _serves(tmp_path, _preload(f"0.0.0.0:{port}"), port)
    assert refused.status_code == 403  # even to a loopback caller, even for /healthz
    body = refused.json()
    assert body["error"] == "forbidden" and "listens on 0.0.0.0" in body["message"]
    assert "bound to 127.0.0.1" in body["message"]
    port = free_port()
    assert _serves(tmp_path, _preload(f"127.0.0.1:{port}"), port).status_code == 200


def _app_run(host: str, port: int) -> list[str]:
    return ["-c", f"from server.app import create_app; create_app().run(host={host!r}, port={port})"]


def test_app_run_beyond_loopback_serves_nothing(tmp_path):
    port = free_port()
    refused = _serves(tmp_path, _app_run("0.0.0.0", port), port)
    assert refused.status_code == 403 and "listens on 0.0.0.0" in refused.json()["message"]
    port = free_port()
    assert _serves(tmp_path, _app_run("127.0.0.1", port), port).status_code == 200
    port = free_port()  # the explicit override lets it serve wider
    assert _serves(tmp_path, _app_run("0.0.0.0", port), port,
                   DRAFTER_DEV_ALLOW_NON_LOOPBACK="true").status_code == 200


# ---- `flask run`: its --host is known before it binds, so it refuses to start ----

def _flask_run(app: str, host: str, port: int) -> list[str]:
    return ["-m", "flask", "--app", app, "run", "--host", host, "--port", str(port)]


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_flask_run_beyond_loopback_refuses_to_start(tmp_path, host):
    code, stderr = _finished(_start(tmp_path, _flask_run("server.wsgi", host, free_port())))
    assert code == 3
    [line] = _config_lines(stderr)
    assert NOT_LOOPBACK in line and f"listens on {host};" in line
    assert "Traceback" not in stderr
    # through the factory too (Flask prints its own traceback there, but it does not start)
    code, stderr = _finished(_start(tmp_path, _flask_run("server.app", host, free_port())))
    assert code != 0 and NOT_LOOPBACK in stderr


def test_flask_run_on_loopback_serves(tmp_path):
    port = free_port()
    assert _serves(tmp_path, _flask_run("server.wsgi", "127.0.0.1", port), port).status_code == 200


# ---- `make run` (server/devserver.py) ----

def _listening_on(port: int) -> set[str]:
    """Local addresses of every socket listening on `port` (from /proc/net/tcp and tcp6, state 0A)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


LOOPBACK_HEX = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1 as /proc writes them


def test_make_run_binds_loopback(tmp_path):
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux's /proc/net/tcp to see where the server listens")
    port = free_port()
    proc = _start(tmp_path, ["-m", "server.devserver"], DRAFTER_PUBLIC_URL=f"https://localhost:{port}")
    try:
        ca = tmp_path / "instance" / "devcert" / "ca.pem"
        deadline = time.monotonic() + 30
        while not ca.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)  # make run creates its certificate authority first
        answer = _first_answer(proc, f"https://localhost:{port}/healthz", verify=str(ca))
        assert answer.status_code == 200
        listening = _listening_on(port)
        assert listening and listening <= LOOPBACK_HEX, listening
    finally:
        _stop(proc)


def test_make_run_refuses_dev_mode_on_a_public_url(tmp_path):
    proc = _start(tmp_path, ["-m", "server.devserver"], DRAFTER_PUBLIC_URL="https://drafter.agency.test")
    code, stderr = _finished(proc)
    assert code == 2
    assert stderr.strip().splitlines() == [
        "drafter: configuration error: DRAFTER_AUTH_MODE: dev mode only runs on loopback (DRAFTER_PUBLIC_URL is "
        "https://drafter.agency.test); set DRAFTER_DEV_ALLOW_NON_LOOPBACK=true to override"]


# ---- the checks themselves, in this process ----

@pytest.fixture
def wide(monkeypatch):
    """This process seems to listen on 0.0.0.0 as well (the checks read sockets through listening_addresses)."""
    monkeypatch.setattr(dev_bind, "listening_addresses", lambda: ["127.0.0.1", "0.0.0.0"])
    monkeypatch.setattr(dev_bind, "_checked", {})


def test_the_app_is_not_built_while_listening_wide(app_config, wide):
    from server.app import create_app

    with pytest.raises(ConfigError, match=f"{NOT_LOOPBACK}, but the server listens on 0.0.0.0;"):
        create_app(app_config)
    assert create_app({**app_config, "DEV_ALLOW_NON_LOOPBACK": True}).config["AUTH_MODE"] == "dev"
    entra_like = {**app_config, "AUTH_MODE": "entra", "CLIENT_ID": "0c5f3d2e-0000-4000-8000-0000000d12af",
                  "TENANT_IDS": ["72f988bf-0000-4000-8000-00000000cafe"]}
    assert create_app(entra_like).config["AUTH_MODE"] == "entra"  # entra mode may listen anywhere


def test_sockets_opened_after_the_build_refuse_every_request(app, wide, caplog, upstream):
    client = app.test_client()
    for _ in range(2):
        response = client.post("/dev/token", json={"name": "Mallory", "email": "m@agency.gov", "roles": []})
        assert response.status_code == 403 and "listens on 0.0.0.0" in response.get_json()["message"]
    assert client.get("/healthz").status_code == 403
    assert caplog.text.count("dev mode listens beyond loopback (0.0.0.0)") == 1  # said once per process
    assert upstream.requests == []


def test_loopback_sockets_serve(app, monkeypatch):
    monkeypatch.setattr(dev_bind, "listening_addresses", lambda: ["127.0.0.1", "::1"])
    monkeypatch.setattr(dev_bind, "_checked", {})
    assert app.test_client().get("/healthz").status_code == 200
