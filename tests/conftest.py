"""Shared fixtures. Chain: app -> client -> auth headers; plus the fake upstream model and shared corpus."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DRAFTER_SHARED_DIR", ROOT.parent / "shared"))
UNDER_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str):
    """Skip on a developer's machine that lacks a service or file; under CI a skip is a failure."""
    if UNDER_CI:
        pytest.fail(f"{reason} (CI=true: a missing service or shared file is a failure)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    path = SHARED / "corpus"
    if not path.is_dir():
        skip_or_fail(f"the shared corpus is not at {path}")
    return path


@pytest.fixture
def session():
    """The service's own kind of outbound session (server.http.make_session)."""
    from server.http import make_session

    with make_session() as s:
        yield s


@pytest.fixture
def upstream():
    """A real OpenAI-compatible HTTP server on loopback, scripted per test."""
    from tests.fakes.upstream import FakeUpstream

    with FakeUpstream() as up:
        yield up


@pytest.fixture
def app_config(tmp_path, upstream) -> dict:
    """Settings for a dev-mode app whose model is the fake upstream; tests adjust before `app` is built."""
    return {
        "AUTH_MODE": "dev",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "MODEL_PROVIDER": "openai",
        "MODEL_BASE_URL": upstream.url,
        "MODEL_NAME": "fake-model",
        "MODEL_MAX_RETRIES": 2,
        "MODEL_CONNECT_TIMEOUT": 1.0,
        "MODEL_TOTAL_BUDGET": 10.0,
        "MODEL_READ_TIMEOUT": 5.0,
        "TESTING": True,
    }


@pytest.fixture
def app(app_config):
    from server.app import create_app

    return create_app(app_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth_headers(client) -> dict:
    response = client.post("/dev/token", json={"name": "Ada Clerk", "email": "ada@agency.gov", "roles": []})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


@pytest.fixture
def admin_headers(client) -> dict:
    response = client.post("/dev/token", json={"name": "Ann Admin", "email": "ann@agency.gov",
                                               "roles": ["Drafter.Admin"]})
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}
