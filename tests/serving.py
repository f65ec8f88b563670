"""Running the service for real in a test: a free loopback port, waiting until gunicorn serves, stopping it."""
from __future__ import annotations

import socket
import subprocess
import time

import pytest
import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_serving(proc: subprocess.Popen, url: str, timeout: float = 60.0) -> None:
    """Until GET /healthz answers 200; the test fails with the server's last words if it stops or never
    answers."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"the service stopped: {(proc.communicate()[1] or '')[-2000:]}")
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or its workers still booting
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the service did not serve within {timeout:g} s: {(proc.communicate()[1] or '')[-2000:]}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen, timeout: float = 30.0) -> tuple[str | None, str | None]:
    """SIGTERM, then SIGKILL if it is still running after `timeout`; what it wrote to piped stdout, stderr."""
    proc.terminate()
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()
