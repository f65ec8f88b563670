"""The processes a benchmark talks to: the fake upstream and the service under real gunicorn, on loopback.

Both are started with subprocess.Popen and stopped through their own handles (terminate, then kill), so a
benchmark leaves nothing running; their output goes to log files in the run's temporary folder.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


class FakeUpstreamProcess:
    """bench/fake_upstream_server.py in a child process; `command()` talks to it over its stdin/stdout."""

    def __init__(self, workdir: Path, *, latency: float = 0.0, chunk_delay: float = 0.0):
        self.workdir, self.latency, self.chunk_delay = workdir, latency, chunk_delay
        self.process: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> FakeUpstreamProcess:
        log = open(self.workdir / "fake-upstream.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.fake_upstream_server", "--latency", str(self.latency),
             "--chunk-delay", str(self.chunk_delay)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
        log.close()
        first = self.process.stdout.readline().strip()
        if not first.startswith("URL "):
            _stop(self.process)
            raise RuntimeError(f"the fake upstream did not start (see {self.workdir / 'fake-upstream.log'})")
        self.url = first[4:]
        return self

    def command(self, name: str):
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        return answer if name == "reset" else json.loads(answer)

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            try:
                self.process.stdin.close()  # end of input: it stops by itself
                self.process.wait(timeout=STOP_TIMEOUT)
            except (OSError, subprocess.TimeoutExpired):
                pass
            _stop(self.process)
            self.process.stdout.close()


# One bench user sends thousands of requests a minute: the per-minute quota is off, and the daily token
# allowance is set out of reach, so the token check (a read of the audit store) still runs on every request.
# The guard runs with its default policy and every job writes its audit record, as in production.
BENCH_POLICY = "quotas:\n  user_requests_per_minute: 0\n  user_tokens_per_day: 1000000000000\n"


class Service:
    """`python -m gunicorn server.wsgi:app` with the gthread worker, dev auth and the given upstream.

    `app` may name another WSGI module (to compare builds)."""

    def __init__(self, workdir: Path, upstream_url: str, *, workers: int = 2, threads: int = 32,
                 extra_env: dict[str, str] | None = None, app: str = "server.wsgi:app",
                 worker_class: str = "gthread", extra_args: tuple[str, ...] = ()):
        self.workdir, self.upstream_url = workdir, upstream_url
        self.worker_class = worker_class
        self.workers, self.threads = workers, threads
        self.extra_env = extra_env or {}
        self.app = app
        self.extra_args = tuple(extra_args)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    @property
    def argv(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", self.app, "--worker-class", self.worker_class,
                "--workers", str(self.workers), "--threads", str(self.threads),
                "--bind", f"127.0.0.1:{self.port}", "--keep-alive", "30", "--log-level", "warning",
                *self.extra_args]

    @property
    def env_settings(self) -> dict[str, str]:
        return {
            "DRAFTER_AUTH_MODE": "dev",
            "DRAFTER_INSTANCE_PATH": str(self.workdir / "instance"),
            "DRAFTER_MODEL_PROVIDER": "openai",
            "DRAFTER_MODEL_BASE_URL": self.upstream_url,
            "DRAFTER_MODEL_NAME": "fake",
            "DRAFTER_PUBLIC_URL": "https://localhost:3000",
            "DRAFTER_LOG_LEVEL": "warning",
            "DRAFTER_POLICY_FILE": str(self.workdir / "bench-policy.yaml"),
            **self.extra_env,
        }

    def __enter__(self) -> Service:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DRAFTER_")}
        env.update(self.env_settings)
        (self.workdir / "bench-policy.yaml").write_text(BENCH_POLICY)
        log = open(self.workdir / "gunicorn.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(self.argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode} "
                                   f"(see {self.workdir / 'gunicorn.log'})")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        _stop(self.process)
        raise RuntimeError(f"gunicorn did not answer /healthz within {START_TIMEOUT:g} s")

    def token(self) -> str:
        response = requests.post(f"{self.url}/dev/token", timeout=10, json={
            "name": "Bench User", "email": "bench@example.org", "roles": []})
        response.raise_for_status()
        return response.json()["access_token"]

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            _stop(self.process)
