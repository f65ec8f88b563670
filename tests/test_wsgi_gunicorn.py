"""server.wsgi under the real gunicorn: a configuration error stops the whole server with one line (not a
worker restarted forever), and dev mode refuses to start on sockets that listen beyond loopback."""
from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from server.listeners import listening_addresses
from tests.conftest import ROOT
from tests.serving import free_port, stop, wait_serving


def _gunicorn(tmp_path, bind: str, **settings) -> subprocess.Popen:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DRAFTER_INSTANCE_PATH": str(tmp_path / "instance"),
           "DRAFTER_MODEL_PROVIDER": "openai", "DRAFTER_MODEL_BASE_URL": "http://127.0.0.1:9/v1",
           "DRAFTER_MODEL_NAME": "fake", "DRAFTER_LOG_LEVEL": "warning", **settings}
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "server.wsgi:app", "--workers", "2",
                             "--bind", bind, "--log-level", "warning"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finished(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str]:
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, stderr = proc.communicate()
        pytest.fail(f"gunicorn kept running: {stderr[-2000:]}")
    return proc.returncode, stderr


def _config_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("drafter: configuration error:")]


def test_a_configuration_error_stops_gunicorn_with_one_line(tmp_path):
    code, stderr = _finished(_gunicorn(tmp_path, f"127.0.0.1:{free_port()}", DRAFTER_AUTH_MODE="sideways"))
    assert code != 0
    lines = _config_lines(stderr)
    # each of the 2 workers may say it once before the master stops: never a restart loop
    assert 1 <= len(lines) <= 2 and set(lines) == {
        "drafter: configuration error: DRAFTER_AUTH_MODE: must be one of entra, dev, got 'sideways'"}
    # nothing of Drafter's own in a traceback (gunicorn itself may print one when both workers fail at once, a
    # long-standing race in its arbiter: benoitc/gunicorn#1095 and later reports)
    assert f'File "{ROOT / "server"}' not in stderr


@pytest.mark.parametrize("bind", ["0.0.0.0", "[::]"])
def test_dev_mode_refuses_to_start_bound_beyond_loopback(tmp_path, bind):
    code, stderr = _finished(_gunicorn(tmp_path, f"{bind}:{free_port()}", DRAFTER_AUTH_MODE="dev"))
    assert code != 0
    lines = _config_lines(stderr)
    assert lines and all("DRAFTER_AUTH_MODE: dev mode only runs bound to loopback" in line for line in lines)
    assert bind.strip("[]") in lines[0] and "bind to 127.0.0.1" in lines[0]


def test_dev_mode_starts_on_loopback_and_the_override_lets_it_bind_wider(tmp_path):
    for bind, extra in (("127.0.0.1", {}), ("0.0.0.0", {"DRAFTER_DEV_ALLOW_NON_LOOPBACK": "true"})):
        port = free_port()
        proc = _gunicorn(tmp_path, f"{bind}:{port}", DRAFTER_AUTH_MODE="dev", **extra)
        try:
            wait_serving(proc, f"http://127.0.0.1:{port}")
        finally:
            stop(proc)


def test_listening_addresses_are_this_processes_listeners():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        before = listening_addresses()
        listener.listen()
        assert listening_addresses().count("127.0.0.1") == before.count("127.0.0.1") + 1  # bound is not listening
    assert listening_addresses().count("127.0.0.1") == before.count("127.0.0.1")


def test_the_built_app_is_frozen_out_of_the_garbage_collector(tmp_path):
    """A full collection must not walk the app's long-lived objects: it paused every thread 15-30 ms."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DRAFTER_INSTANCE_PATH": str(tmp_path / "instance"),
           "DRAFTER_AUTH_MODE": "dev", "DRAFTER_MODEL_PROVIDER": "openai",
           "DRAFTER_MODEL_BASE_URL": "http://127.0.0.1:9/v1", "DRAFTER_MODEL_NAME": "fake",
           "DRAFTER_LOG_LEVEL": "warning"}
    script = ("import gc, time, server.wsgi\n"
              "started = time.perf_counter(); gc.collect()\n"
              "print(gc.get_freeze_count(), len(gc.get_objects()), (time.perf_counter() - started) * 1000)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    frozen, tracked, _ms = done.stdout.split()
    assert int(frozen) > 50_000  # the modules, Flask, presets, tokenizer: what the app is built of
    assert int(tracked) < int(frozen) // 10  # what a collection still walks: little beyond the frozen
