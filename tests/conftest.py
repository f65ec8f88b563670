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


# ---- Microsoft identity: a fake Entra ID with the on-behalf-of grant, and a fake Microsoft Graph ----
API_APP_ID_URI = "api://drafter.agency.test/0c5f3d2e-0000-4000-8000-0000000d12af"


@pytest.fixture
def fake_entra():
    from tests.fakes.entra import FakeEntra

    with FakeEntra() as entra:
        yield entra


@pytest.fixture
def fake_graph(fake_entra):
    from tests.fakes.graph import FakeGraph

    with FakeGraph(fake_entra) as graph:
        yield graph


@pytest.fixture
def obo_grant(fake_entra, fake_graph):
    """The jwt-bearer on-behalf-of grant on the fake Entra; Drafter's app is the fake's default client."""
    from tests.fakes.entra import DEFAULT_CLIENT_ID
    from tests.fakes.entra_obo import OnBehalfOfGrant

    return OnBehalfOfGrant(fake_entra, api_audiences={DEFAULT_CLIENT_ID, API_APP_ID_URI},
                           resources={fake_graph.url})


@pytest.fixture
def identity_ca_bundle(tmp_path, fake_entra, fake_graph, monkeypatch) -> str:
    """Both fakes' CAs, trusted through REQUESTS_CA_BUNDLE as an agency's own CA would be."""
    bundle = tmp_path / "identity-ca.pem"
    bundle.write_bytes(Path(fake_entra.ca_path).read_bytes() + Path(fake_graph.ca_path).read_bytes())
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    return str(bundle)


@pytest.fixture
def entra_obo_config(app_config, fake_entra, fake_graph, obo_grant, identity_ca_bundle) -> dict:
    """Settings for an entra-mode app that can ask for on-behalf-of tokens and read the fake Graph."""
    from tests.fakes.entra import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

    # PUBLIC_URL: config refuses an application ID URI that is not api://<its host>/<client id> (Office SSO).
    return {**app_config, "AUTH_MODE": "entra", "PUBLIC_URL": "https://drafter.agency.test",
            "CLIENT_ID": DEFAULT_CLIENT_ID, "APP_ID_URI": API_APP_ID_URI,
            "CLIENT_SECRET": DEFAULT_CLIENT_SECRET, "TENANT_IDS": [fake_entra.tenant_id],
            "AUTHORITY_HOST": fake_entra.authority_host, "GRAPH_URL": fake_graph.url}


@pytest.fixture
def redis_url() -> str:
    """The real Redis at 127.0.0.1:6379 (database 15, emptied of Drafter's keys before and after the test)."""
    import redis

    url = "redis://127.0.0.1:6379/15"
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        client.close()
        skip_or_fail("Redis is not running at 127.0.0.1:6379")

    def empty() -> None:  # before too: a run that was killed must not leave tokens for the next one to find
        for key in client.scan_iter("drafter:*"):
            client.delete(key)

    empty()
    yield url
    empty()
    client.close()


# ---- the audit store's real PostgreSQL ----
POSTGRES = {"host": "127.0.0.1", "port": 5432, "dbname": "test"}
POSTGRES_USERS = ("postgres", "root")  # trust auth; which role exists depends on the machine


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The SQLAlchemy URL of the real PostgreSQL at 127.0.0.1:5432, database `test`, as the first user that
    can log in."""
    import psycopg

    refusals = []
    for user in POSTGRES_USERS:
        try:
            with psycopg.connect(**POSTGRES, user=user, connect_timeout=2):
                return f"postgresql+psycopg://{user}@{POSTGRES['host']}:{POSTGRES['port']}/{POSTGRES['dbname']}"
        except psycopg.Error as exc:
            refusals.append(f"{user}: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}")
    skip_or_fail(f"PostgreSQL is not usable at 127.0.0.1:5432, database test ({'; '.join(refusals)})")


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A schema of the test's own in the real PostgreSQL, selected by the URL's search_path and dropped after,
    so parallel runs never meet."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    schema = f"drafter_test_{uuid.uuid4().hex[:16]}"
    user = make_url(postgres_server).username
    with psycopg.connect(**POSTGRES, user=user, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{postgres_server}?options=-csearch_path%3D{schema}"
    with psycopg.connect(**POSTGRES, user=user, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
