"""End to end with the real embedded model: llama.cpp's server running SmolLM2-135M-Instruct on loopback.

SmolLM2-135M is tiny, so these tests check the path (real HTTP, real streaming, real usage), not prose quality.
"""
from __future__ import annotations

import pytest

from server.llm.local import LocalModelServer, LocalModelUnavailable, model_path, server_available
from tests.conftest import skip_or_fail
from tests.serving import free_port
from tests.test_api_jobs import sse_events

pytestmark = pytest.mark.integration



@pytest.fixture(scope="module")
def local_model(tmp_path_factory):
    if not server_available():
        skip_or_fail("llama-cpp-python[server] is not installed (make test installs it)")
    try:
        model_path()
    except LocalModelUnavailable as exc:
        skip_or_fail(str(exc))
    server = LocalModelServer(f"http://127.0.0.1:{free_port()}/v1",
                              log_file=tmp_path_factory.mktemp("llama") / "server.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def local_client(local_model, tmp_path):
    from server.app import create_app

    app = create_app({"AUTH_MODE": "dev", "INSTANCE_PATH": str(tmp_path), "MODEL_PROVIDER": "local",
                      "LOCAL_MODEL_URL": local_model.base_url, "MODEL_MAX_OUTPUT_TOKENS": 96})
    client = app.test_client()
    token = client.post("/dev/token", json={"name": "Ada", "email": "ada@agency.gov"}).get_json()["access_token"]
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_local_model_is_ready(local_client):
    assert local_client.get("/readyz").status_code == 200


def test_rewrite_with_the_real_model(local_client):
    response = local_client.post("/api/v1/rewrite", json={
        "text": "hey all, the budget meeting is moved to 3pm thursday, dont be late", "tone": "formal"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["text"].strip()
    assert body["usage"]["prompt_tokens"] > 0 and body["usage"]["completion_tokens"] > 0
    assert body["checks"]["readability"]["before"] is not None


def test_streamed_draft_with_the_real_model(local_client):
    response = local_client.post("/api/v1/draft", json={
        "instruction": "Write a two-sentence email thanking the finance team for the audit report.",
        "kind": "email", "stream": True})
    assert response.status_code == 200
    events = sse_events(response.data)
    assert events[-1][0] == "result", events[-1]
    deltas = [data["text"] for name, data in events if name == "delta"]
    assert len(deltas) > 1  # really streamed, piece by piece
    assert events[-1][1]["text"].strip()


def test_summarize_with_the_real_model(local_client):
    text = "\n\n".join([
        "The agency spent $4.2 million on IT modernisation in 2025.",
        "Staff satisfaction rose to 78 percent after the new intranet launched.",
        "The audit found that two contracts must not be renewed without competition.",
    ])
    response = local_client.post("/api/v1/summarize", json={"text": text, "format": "bullets"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["summary"].strip()
    assert body["chunks"] >= 1
    # Ids are positions in the text's line list (as in Word's paragraph collection): blank lines count.
    for point in body["points"]:
        assert set(point["sources"]) <= {"p1", "p3", "p5"}
