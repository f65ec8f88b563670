"""Health, readiness, the dev issuer, the OpenAPI description and the error shape."""
from __future__ import annotations

import pytest

from server.api.openapi import build_openapi
from server.assist.schemas import REQUESTS


def test_healthz_needs_no_token(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_readyz_reports_the_model_and_the_store(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"model": {"status": "ok"}, "store": {"status": "ok"}}


def test_readyz_is_503_when_the_store_is_unreachable(app, client, monkeypatch):
    from server.errors import StoreUnavailable

    def down():
        raise StoreUnavailable("the audit store at sqlite:///x is unavailable: disk I/O error")
    monkeypatch.setattr(app.extensions["drafter.audit"].store, "ping", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["checks"]["model"] == {"status": "ok"}
    assert body["checks"]["store"] == {"status": "unavailable",
                                       "reason": "the audit store at sqlite:///x is unavailable: disk I/O error"}


def test_readyz_is_503_when_the_model_is_unreachable(app_config):
    from server.app import create_app

    app = create_app({**app_config, "MODEL_BASE_URL": "http://127.0.0.1:9/v1"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["model"]["reason"]


@pytest.mark.parametrize(("body", "field"), [
    ({"email": "a@b.gov"}, "name"),
    ({"name": "A", "email": "not-an-email"}, "email"),
    ({"name": "A", "email": "a@b.gov", "roles": "Drafter.Admin"}, "roles"),
    ({"name": "A", "email": "a@b.gov", "roles": ["has space"]}, "roles"),
    ({"name": "A", "email": "a@b.gov", "tenant": "x"}, "tenant"),
])
def test_dev_token_checks_its_body(client, body, field):
    response = client.post("/dev/token", json=body)
    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_dev_tokens_carry_roles(client, admin_headers):
    assert client.get("/api/v1/me", headers=admin_headers).get_json()["roles"] == ["Drafter.Admin"]


DEV_TOKEN_BODY = {"name": "A", "email": "a@b.gov"}


@pytest.mark.parametrize(("peer", "headers"), [
    ("10.0.0.5", {}),  # the server was bound to every address and another machine reached it
    ("192.0.2.44", {}),
    ("2001:db8::7", {}),
    ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}),  # a proxy on this machine relays for another one
    ("127.0.0.1", {"X-Forwarded-For": "127.0.0.1, 203.0.113.9"}),
    ("127.0.0.1", {"Forwarded": 'for="[2001:db8::1]";proto=https'}),
    ("127.0.0.1", {"Forwarded": "for=198.51.100.17"}),
])
def test_dev_mode_answers_no_other_machine(app, upstream, peer, headers):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = peer
    for method, path, body in (("post", "/dev/token", DEV_TOKEN_BODY), ("get", "/healthz", None),
                               ("post", "/api/v1/rewrite", {"text": "Hello all."}), ("get", "/addin/taskpane.html", None)):
        response = getattr(client, method)(path, json=body, headers=headers)
        assert response.status_code == 403, path
        assert response.get_json()["error"] == "forbidden"
        assert "only answers requests from the computer it runs on" in response.get_json()["message"]
    assert upstream.requests == []


@pytest.mark.parametrize(("peer", "headers"), [
    ("127.0.0.1", {}), ("::1", {}), ("::ffff:127.0.0.1", {}), ("127.8.9.10", {}),
    ("127.0.0.1", {"X-Forwarded-For": "127.0.0.1"}), ("127.0.0.1", {"Forwarded": 'for="[::1]"'}),
])
def test_dev_mode_answers_this_machine(app, peer, headers):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = peer
    assert client.post("/dev/token", json=DEV_TOKEN_BODY, headers=headers).status_code == 200


def test_the_loopback_override_lets_other_machines_in(app_config):
    from server.app import create_app

    client = create_app({**app_config, "DEV_ALLOW_NON_LOOPBACK": True}).test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.5"
    assert client.post("/dev/token", json=DEV_TOKEN_BODY).status_code == 200


def test_entra_mode_serves_every_address(app_config):
    from server.app import create_app

    client = create_app({**app_config, "AUTH_MODE": "entra", "CLIENT_ID": "11111111-2222-3333-4444-555555555555",
                         "TENANT_IDS": ["72f988bf-86f1-41af-91ab-2d7cd011db47"]}).test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.5"
    assert client.get("/healthz").status_code == 200


def test_dev_routes_do_not_exist_in_entra_mode(app_config):
    from server.app import create_app

    app = create_app({**app_config, "AUTH_MODE": "entra", "CLIENT_ID": "11111111-2222-3333-4444-555555555555",
                      "TENANT_IDS": ["72f988bf-86f1-41af-91ab-2d7cd011db47"]})
    client = app.test_client()
    assert client.post("/dev/token", json={"name": "A", "email": "a@b.gov"}).status_code == 404
    assert not [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/dev")]


def test_dev_token_is_refused_in_entra_mode(app_config, client):
    from server.app import create_app

    token = client.post("/dev/token", json={"name": "A", "email": "a@b.gov"}).get_json()["access_token"]
    entra = create_app({**app_config, "AUTH_MODE": "entra", "CLIENT_ID": "11111111-2222-3333-4444-555555555555",
                        "TENANT_IDS": ["72f988bf-86f1-41af-91ab-2d7cd011db47"],
                        "AUTHORITY_HOST": "https://127.0.0.1:9"})
    response = entra.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401  # its issuer is not an allowed tenant; nothing was fetched to say so


def test_dev_signing_key_is_shared_by_every_worker(app_config):
    from server.app import create_app

    first, second = create_app(app_config).test_client(), create_app(app_config).test_client()
    token = first.post("/dev/token", json={"name": "A", "email": "a@b.gov"}).get_json()["access_token"]
    assert second.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_openapi_describes_every_route(app, client, auth_headers):
    spec = client.get("/api/v1/openapi.json", headers=auth_headers).get_json()
    assert spec["openapi"] == "3.1.0"
    documented = set(spec["paths"])
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    served = {r for r in routes if r.startswith(("/api/", "/healthz", "/readyz", "/dev/token"))}
    assert served <= documented, served - documented
    assert documented <= routes, documented - routes


@pytest.mark.parametrize("job", sorted(REQUESTS))
def test_openapi_uses_the_schemas_the_code_validates(job):
    spec = build_openapi("https://localhost:3000")
    assert spec["components"]["schemas"][f"{job.capitalize()}Request"] is REQUESTS[job]


def test_openapi_is_a_valid_document():
    from openapi_spec_validator import validate

    validate(build_openapi("https://localhost:3000", dev_mode=True))
