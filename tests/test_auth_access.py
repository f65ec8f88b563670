"""Access control: who may use Drafter (DRAFTER_ALLOWED_ROLES / _GROUPS) and who may use admin endpoints
(app role Drafter.Admin); every refusal is 403 forbidden with a reason, and none reaches the model."""
from __future__ import annotations

import pytest
from flask import Blueprint, jsonify

from server.auth.access import ADMIN_ROLE, GROUPS_OVERAGE, NO_GROUPS_CLAIM, check_role, check_use
from server.auth.tokens import Principal
from server.errors import Forbidden
from tests.fakes.entra import FakeEntra
from tests.test_auth_entra import API_CLIENT_ID, REWRITE, bearer, entra_settings

TENANT = "72f988bf-0000-4000-8000-00000000cafe"
WRITERS = "aaaaaaaa-0000-4000-8000-00000000000a"
READERS = "bbbbbbbb-0000-4000-8000-00000000000b"
OVERAGE = {"_claim_names": {"groups": "src1"},
           "_claim_sources": {"src1": {"endpoint": "https://graph.microsoft.com/v1.0/users/x/getMemberObjects"}}}


def principal(roles=(), **claims) -> Principal:
    return Principal(tenant_id=TENANT, object_id="00000000-0000-4000-8000-000000000001", roles=tuple(roles),
                     claims=claims)


# -- the pure rules --

@pytest.mark.parametrize(("who", "roles", "groups"), [
    (principal(), [], []),  # nothing configured: every signed-in user of an allowed tenant
    (principal(["Drafter.User"]), ["Drafter.User"], []),
    (principal(["Drafter.User"]), ["Drafter.User"], [WRITERS]),
    (principal(groups=[WRITERS.upper()]), [], [WRITERS]),  # group ids compare without case
    (principal(groups=[READERS, WRITERS]), ["Drafter.User"], [WRITERS]),
    (principal([ADMIN_ROLE]), ["Drafter.User"], [WRITERS]),  # an admin can always reach the admin endpoints
    (principal(["Drafter.User"], **OVERAGE), ["Drafter.User"], [WRITERS]),  # a role suffices despite overage
])
def test_allowed(who, roles, groups):
    check_use(who, allowed_roles=roles, allowed_groups=groups)


@pytest.mark.parametrize(("who", "roles", "groups", "reason"), [
    (principal(), ["Drafter.User"], [], "needs one of the app roles Drafter.User."),
    (principal(["drafter.user"]), ["Drafter.User"], [], "app roles Drafter.User"),  # role values are case-sensitive
    (principal(groups=[READERS]), [], [WRITERS], "needs membership of an allowed group"),
    (principal(groups=[READERS]), ["Drafter.User", "Drafter.Pilot"], [WRITERS],
     "needs one of the app roles Drafter.Pilot, Drafter.User or membership of an allowed group"),
    (principal(**OVERAGE), [], [WRITERS], GROUPS_OVERAGE),
    (principal(**OVERAGE), ["Drafter.User"], [WRITERS], GROUPS_OVERAGE),
    (principal(), [], [WRITERS], NO_GROUPS_CLAIM),
    (principal(groups="not-a-list"), [], [WRITERS], "needs membership of an allowed group"),
])
def test_refused_with_a_reason(who, roles, groups, reason):
    with pytest.raises(Forbidden) as caught:
        check_use(who, allowed_roles=roles, allowed_groups=groups)
    assert reason in caught.value.message


def test_the_overage_reason_tells_the_admin_what_to_change():
    assert '"Groups assigned to the application"' in GROUPS_OVERAGE


def test_admin_role():
    check_role(principal([ADMIN_ROLE]), ADMIN_ROLE)
    for roles in ([], ["Drafter.User"], ["drafter.admin"]):
        with pytest.raises(Forbidden, match="needs the Drafter.Admin app role"):
            check_role(principal(roles), ADMIN_ROLE)


# -- wired into the app --

def admin_probe() -> Blueprint:
    """Stands in for the admin endpoints (the governance issue adds /api/v1/admin/usage)."""
    from server.api.common import authenticate, require_role

    bp = Blueprint("admin_probe", __name__, url_prefix="/api/v1/test-admin")
    bp.before_request(authenticate)

    @bp.get("/usage")
    @require_role(ADMIN_ROLE)
    def usage():
        return jsonify({"ok": True})
    return bp


@pytest.fixture
def probe_client(app):
    app.register_blueprint(admin_probe())
    return app.test_client()


def test_an_admin_reaches_admin_endpoints(probe_client, admin_headers):
    response = probe_client.get("/api/v1/test-admin/usage", headers=admin_headers)
    assert response.status_code == 200, response.get_json()


def test_a_user_without_the_role_is_refused(probe_client, auth_headers):
    response = probe_client.get("/api/v1/test-admin/usage", headers=auth_headers)
    assert response.status_code == 403
    body = response.get_json()
    assert body["error"] == "forbidden"
    assert "needs the Drafter.Admin app role" in body["message"]
    assert "WWW-Authenticate" not in response.headers


def test_admin_endpoints_still_need_a_token(probe_client):
    response = probe_client.get("/api/v1/test-admin/usage")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Drafter"'


def test_require_role_without_authentication_refuses(app):
    from server.api.common import require_role

    bp = Blueprint("forgot_authenticate", __name__, url_prefix="/api/v1/forgot")

    @bp.get("/")
    @require_role(ADMIN_ROLE)
    def view():
        return jsonify({"ok": True})
    app.register_blueprint(bp)
    assert app.test_client().get("/api/v1/forgot/").status_code == 401


def test_dev_token_roles_flow_through(client, admin_headers):
    assert client.get("/api/v1/me", headers=admin_headers).get_json()["roles"] == [ADMIN_ROLE]


def test_allowed_roles_in_dev_mode(app_config, upstream):
    from server.app import create_app

    client = create_app({**app_config, "ALLOWED_ROLES": ["Drafter.User"]}).test_client()

    def headers(roles):
        token = client.post("/dev/token", json={"name": "A", "email": "a@agency.gov", "roles": roles})
        return bearer(token.get_json()["access_token"])
    refused = client.post("/api/v1/rewrite", json=REWRITE, headers=headers([]))
    assert refused.status_code == 403
    assert refused.get_json()["message"].startswith("Your account may not use Drafter")
    assert upstream.requests == []
    assert client.post("/api/v1/rewrite", json=REWRITE, headers=headers(["Drafter.User"])).status_code == 200
    assert client.get("/api/v1/me", headers=headers([ADMIN_ROLE])).status_code == 200


@pytest.fixture
def entra():
    with FakeEntra() as fake:
        yield fake


@pytest.fixture
def groups_client(app_config, entra, monkeypatch):
    from server.app import create_app

    return create_app({**entra_settings(app_config, entra, monkeypatch), "ALLOWED_GROUPS": [WRITERS]}).test_client()


@pytest.mark.parametrize(("claims", "status", "words"), [
    ({"groups": [READERS, WRITERS]}, 200, None),
    ({"groups": [READERS]}, 403, "membership of an allowed group"),
    ({"groups": []}, 403, "membership of an allowed group"),
    (OVERAGE, 403, "Groups assigned to the application"),
    ({}, 403, "does not list your groups"),
    ({"groups": [READERS], "roles": [ADMIN_ROLE]}, 200, None),
])
def test_allowed_groups_in_entra_mode(groups_client, entra, upstream, claims, status, words):
    token = entra.user_token(API_CLIENT_ID, **claims)
    response = groups_client.post("/api/v1/rewrite", json=REWRITE, headers=bearer(token))
    assert response.status_code == status, response.get_json()
    if words:
        assert response.get_json()["error"] == "forbidden"
        assert words in response.get_json()["message"]
        assert upstream.requests == []


@pytest.mark.parametrize(("roles", "status"), [
    (["Drafter.User"], 200),
    ([ADMIN_ROLE], 200),
    (None, 403),  # no roles claim at all: nothing assigned
    (["drafter.user"], 403),
    (["Drafter.Reader"], 403),
])
def test_allowed_roles_in_entra_mode(app_config, entra, monkeypatch, upstream, roles, status):
    from server.app import create_app

    client = create_app({**entra_settings(app_config, entra, monkeypatch),
                         "ALLOWED_ROLES": ["Drafter.User"]}).test_client()
    response = client.post("/api/v1/rewrite", json=REWRITE,
                           headers=bearer(entra.user_token(API_CLIENT_ID, roles=roles)))
    assert response.status_code == status, response.get_json()
    if status == 403:
        body = response.get_json()
        assert body["error"] == "forbidden" and "needs one of the app roles Drafter.User" in body["message"]
        assert upstream.requests == []
