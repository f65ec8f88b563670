"""Health, readiness, the dev issuer, the OpenAPI description and the error shape."""
from __future__ import annotations

import pytest

from server.api.openapi import build_openapi
from server.assist.schemas import REQUESTS


def test_healthz_needs_no_token(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_readyz_reports_the_model(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["model"]["status"] == "ok"


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
                        "AUTHORITY_HOST": "http://127.0.0.1:9"})
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
