"""Entra mode end to end: the app validates tokens from a fake Entra ID over real HTTPS (its CA trusted
through REQUESTS_CA_BUNDLE, as an agency's own CA would be), and no refused token ever reaches the model."""
from __future__ import annotations

import base64
import json
import socket
import time

import pytest

from tests.fakes.entra import FakeEntra

API_CLIENT_ID = "3f1c2b4a-0000-4000-8000-00000000d4af"  # Drafter's own registration (the audience)
APP_ID_URI = f"api://drafter.agency.test/{API_CLIENT_ID}"
OTHER_TENANT = "0b0b0b0b-0000-4000-8000-0000000000bb"
OTHER_APP = "99999999-0000-4000-8000-000000000999"
REWRITE = {"text": "hey all, meeting moved to 3pm"}


@pytest.fixture
def entra():
    with FakeEntra() as fake:
        fake.tenants.add(OTHER_TENANT)  # a real tenant, just not one Drafter lets in
        yield fake


def entra_settings(app_config: dict, entra: FakeEntra, monkeypatch) -> dict:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", entra.ca_path)
    return {**app_config, "AUTH_MODE": "entra", "PUBLIC_URL": "https://drafter.agency.test",  # APP_ID_URI's host
            "CLIENT_ID": API_CLIENT_ID, "APP_ID_URI": APP_ID_URI,
            "TENANT_IDS": [entra.tenant_id], "AUTHORITY_HOST": entra.authority_host}


@pytest.fixture
def entra_app(app_config, entra, monkeypatch):
    from server.app import create_app

    return create_app(entra_settings(app_config, entra, monkeypatch))


@pytest.fixture
def entra_client(entra_app):
    return entra_app.test_client()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _tampered(entra: FakeEntra) -> str:
    header, _, signature = entra.user_token(API_CLIENT_ID).split(".")
    claims = entra.user_claims(API_CLIENT_ID, roles=["Drafter.Admin"])  # promote oneself, keep the signature
    return f"{header}.{_b64(claims)}.{signature}"


def _stripped(entra: FakeEntra) -> str:
    header, payload, _ = entra.user_token(API_CLIENT_ID).split(".")
    return f"{header}.{payload}."


def _truncated(entra: FakeEntra) -> str:
    token = entra.user_token(API_CLIENT_ID)
    return token[: len(token) // 2]


def _huge(entra: FakeEntra) -> str:
    return entra.user_token(API_CLIENT_ID, padding="x" * 20_000)  # validly signed, just 20 KB


def _expired(entra: FakeEntra) -> str:
    now = int(time.time())
    return entra.user_token(API_CLIENT_ID, iat=now - 7200, nbf=now - 7200, exp=now - 3600)


def _key_for_other_tenant(entra: FakeEntra) -> str:
    kid = entra.add_key(issuer=f"{entra.authority_host}/{OTHER_TENANT}/v2.0")
    return entra.user_token(API_CLIENT_ID, kid=kid)


def _key_without_issuer(entra: FakeEntra) -> str:
    return entra.user_token(API_CLIENT_ID, kid=entra.add_key(issuer=""))


def _stranger_key(entra: FakeEntra) -> str:
    return entra.user_token(API_CLIENT_ID, kid=entra.add_key(published=False))


# (id, Authorization header from the fake, words of the message, RFC 6750 error in WWW-Authenticate)
HOSTILE = [
    ("alg-none", lambda e: f"Bearer {e.unsigned_token(e.user_claims(API_CLIENT_ID))}", "must be signed with RS256",
     "invalid_token"),
    ("hs256-with-public-key", lambda e: f"Bearer {e.hs256_with_public_key(e.user_claims(API_CLIENT_ID))}",
     "must be signed with RS256", "invalid_token"),
    ("unknown-kid", lambda e: f"Bearer {_stranger_key(e)}", "signed by an unknown key", "invalid_token"),
    ("expired", lambda e: f"Bearer {_expired(e)}", "has expired; sign in again", "invalid_token"),
    ("nbf-in-the-future", lambda e: f"Bearer {e.user_token(API_CLIENT_ID, nbf=int(time.time()) + 3600)}",
     "not valid yet", "invalid_token"),
    ("wrong-audience", lambda e: f"Bearer {e.user_token(OTHER_APP)}", "for another application", "invalid_token"),
    ("graph-audience", lambda e: f"Bearer {e.user_token('00000003-0000-0000-c000-000000000000')}",
     "for another application", "invalid_token"),
    ("wrong-issuer", lambda e: f"Bearer {e.user_token(API_CLIENT_ID, iss=f'https://evil.example/{e.tenant_id}/v2.0')}",
     "issuer that is not allowed", "invalid_token"),
    ("v1-token", lambda e: f"Bearer {e.v1_user_token(APP_ID_URI)}", "Only v2.0 access tokens", "invalid_token"),
    ("tenant-not-allowed", lambda e: f"Bearer {e.user_token(API_CLIENT_ID, tenant=OTHER_TENANT)}",
     "tenant that is not allowed", "invalid_token"),
    ("tid-not-a-guid", lambda e: f"Bearer {e.user_token(API_CLIENT_ID, tid='contoso.onmicrosoft.com')}",
     "no valid tenant", "invalid_token"),
    ("issuer-tid-mismatch", lambda e: f"Bearer {e.user_token(API_CLIENT_ID, iss=e.issuer(OTHER_TENANT))}",
     "issuer does not match its tenant", "invalid_token"),
    ("key-issuer-mismatch", lambda e: f"Bearer {_key_for_other_tenant(e)}", "signing key does not belong to its issuer",
     "invalid_token"),
    ("key-without-issuer", lambda e: f"Bearer {_key_without_issuer(e)}",
     "signing key does not belong to its issuer", "invalid_token"),
    ("no-scp", lambda e: f"Bearer {e.user_token(API_CLIENT_ID, scp=None)}", "lacks the access_as_user scope",
     "invalid_token"),
    ("scp-without-access-as-user", lambda e: f"Bearer {e.user_token(API_CLIENT_ID, scopes='User.Read Files.Read.All')}",
     "lacks the access_as_user scope", "invalid_token"),
    ("no-exp", lambda e: f"Bearer {e.user_token(API_CLIENT_ID, exp=None)}", "lacks the exp claim", "invalid_token"),
    ("no-nbf", lambda e: f"Bearer {e.user_token(API_CLIENT_ID, nbf=None)}", "lacks the nbf claim", "invalid_token"),
    ("no-iat", lambda e: f"Bearer {e.user_token(API_CLIENT_ID, iat=None)}", "lacks the iat claim", "invalid_token"),
    ("tampered-payload", lambda e: f"Bearer {_tampered(e)}", "signature is not valid", "invalid_token"),
    ("stripped-signature", lambda e: f"Bearer {_stripped(e)}", "signature is not valid", "invalid_token"),
    ("truncated", lambda e: f"Bearer {_truncated(e)}", "malformed", "invalid_token"),
    ("20-kb", lambda e: f"Bearer {_huge(e)}", "too large", "invalid_token"),
    ("not-a-jwt", lambda e: "Bearer hello-this-is-not-a-token", "malformed", "invalid_token"),
    ("bearer-missing", lambda e: e.user_token(API_CLIENT_ID), "Authorization: Bearer", "invalid_request"),
    ("bearer-doubled", lambda e: f"Bearer Bearer {e.user_token(API_CLIENT_ID)}", "exactly one Bearer token",
     "invalid_request"),
    ("bearer-empty", lambda e: "Bearer ", "no token after Bearer", "invalid_request"),
    ("basic-scheme", lambda e: "Basic YWRhOnNlY3JldA==", "Authorization: Bearer", "invalid_request"),
]


@pytest.mark.parametrize(("make", "words", "bearer_error"), [case[1:] for case in HOSTILE],
                         ids=[case[0] for case in HOSTILE])
def test_hostile_tokens_are_refused_before_the_model(entra_client, entra, upstream, make, words, bearer_error):
    response = entra_client.post("/api/v1/rewrite", json=REWRITE, headers={"Authorization": make(entra)})
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"] == "unauthorized"
    assert words in body["message"]
    assert body["request_id"]
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="Drafter"')
    assert f'error="{bearer_error}"' in challenge
    assert "error_description=" in challenge
    assert upstream.requests == []  # nothing reached the model


def test_no_authorization_header_gets_a_bare_challenge(entra_client, upstream):
    response = entra_client.post("/api/v1/rewrite", json=REWRITE)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Drafter"'  # RFC 6750 3.1: no error code
    assert upstream.requests == []


def test_two_authorization_headers_are_refused(entra_client, entra, upstream):
    token = entra.user_token(API_CLIENT_ID)
    response = entra_client.post("/api/v1/rewrite", json=REWRITE,
                                 headers=[("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {token}")])
    assert response.status_code == 401
    assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]
    assert upstream.requests == []


def test_a_20_kb_token_is_refused_unread(entra_client, entra):
    entra_client.post("/api/v1/rewrite", json=REWRITE, headers=bearer(_huge(entra)))
    assert entra.jwks_requests == 0  # not even the keys were fetched for it


def test_a_good_token_works(entra_client, entra, upstream):
    response = entra_client.post("/api/v1/rewrite", json=REWRITE, headers=bearer(entra.user_token(API_CLIENT_ID)))
    assert response.status_code == 200, response.get_json()
    assert len(upstream.requests) == 1
    me = entra_client.get("/api/v1/me", headers=bearer(entra.user_token(API_CLIENT_ID, user="bo@agency.gov")))
    assert me.get_json()["tenant_id"] == entra.tenant_id
    assert me.get_json()["username"] == "bo@agency.gov"
    assert "WWW-Authenticate" not in response.headers


@pytest.mark.parametrize(("times", "status"), [
    ({"exp": -60}, 200),  # expired a minute ago: within the two minutes allowed for clock skew
    ({"exp": -180}, 401),
    ({"nbf": 60}, 200),  # valid in a minute: the caller's clock is a little ahead
    ({"nbf": 180}, 401),
    ({"iat": 60}, 200),
])
def test_about_two_minutes_of_clock_skew_are_allowed(entra_client, entra, times, status):
    now = int(time.time())
    claims = {"iat": now - 600, "nbf": now - 600, "exp": now + 3000}
    claims.update({name: now + offset for name, offset in times.items()})
    response = entra_client.get("/api/v1/me", headers=bearer(entra.user_token(API_CLIENT_ID, **claims)))
    assert response.status_code == status, response.get_json()


def test_tokens_from_each_allowed_tenant_are_told_apart(app_config, entra, monkeypatch):
    from server.app import create_app

    client = create_app({**entra_settings(app_config, entra, monkeypatch),
                         "TENANT_IDS": [entra.tenant_id, OTHER_TENANT]}).test_client()
    seen = set()
    for tenant in (entra.tenant_id, OTHER_TENANT):
        token = entra.user_token(API_CLIENT_ID, tenant=tenant, user="ada@agency.gov")
        body = client.get("/api/v1/me", headers=bearer(token)).get_json()
        assert body["tenant_id"] == tenant
        seen.add((body["tenant_id"], body["object_id"]))
    assert len(seen) == 2  # the same name in two tenants is two users
    assert entra.jwks_requests == 1  # one multi-tenant key set serves both
    mixed = entra.user_token(API_CLIENT_ID, tenant=OTHER_TENANT, iss=entra.issuer(entra.tenant_id))
    refused = client.get("/api/v1/me", headers=bearer(mixed))
    assert refused.status_code == 401 and "does not match its tenant" in refused.get_json()["message"]


def test_the_admin_role_comes_from_entras_roles_claim(app_config, entra, monkeypatch):
    from flask import jsonify

    from server.api.common import authenticate, require_role
    from server.app import create_app

    app = create_app(entra_settings(app_config, entra, monkeypatch))

    @app.get("/api/v1/test-admin")
    def admin_probe():  # stands in for the admin endpoints
        authenticate()
        return require_role("Drafter.Admin")(lambda: jsonify({"ok": True}))()
    client = app.test_client()
    for roles, status in ((["Drafter.Admin"], 200), (["Drafter.User", "Drafter.Admin"], 200), (None, 403),
                          ([], 403), (["drafter.admin"], 403), (["Drafter.User"], 403)):
        response = client.get("/api/v1/test-admin", headers=bearer(entra.user_token(API_CLIENT_ID, roles=roles)))
        assert response.status_code == status, (roles, response.get_json())
        if status == 403:
            assert "needs the Drafter.Admin app role" in response.get_json()["message"]
    me = client.get("/api/v1/me", headers=bearer(entra.user_token(API_CLIENT_ID, roles=["Drafter.Admin"])))
    assert me.get_json()["roles"] == ["Drafter.Admin"]


def test_the_app_id_uri_is_an_accepted_audience(entra_client, entra):
    response = entra_client.get("/api/v1/me", headers=bearer(entra.user_token(APP_ID_URI)))
    assert response.status_code == 200, response.get_json()


def test_an_unset_app_id_uri_is_derived_as_the_manifests_derive_it(app_config, entra, monkeypatch):
    from server.app import create_app

    client = create_app({**entra_settings(app_config, entra, monkeypatch), "APP_ID_URI": ""}).test_client()
    for audience, status in ((APP_ID_URI, 200), (API_CLIENT_ID, 200), (f"api://{API_CLIENT_ID}", 401),
                             (f"api://other.agency.test/{API_CLIENT_ID}", 401)):
        response = client.get("/api/v1/me", headers=bearer(entra.user_token(audience)))
        assert response.status_code == status, (audience, response.get_json())


def test_keys_come_from_the_authoritys_multi_tenant_key_set(entra_client, entra):
    entra_client.get("/api/v1/me", headers=bearer(entra.user_token(API_CLIENT_ID)))
    fetched = [r["path"] for r in entra.requests if r["path"].endswith("/keys")]
    assert fetched == ["/common/discovery/v2.0/keys"]


def test_a_rotated_key_is_accepted_without_a_restart(entra_app, entra_client, entra):
    assert entra_client.get("/api/v1/me", headers=bearer(entra.user_token(API_CLIENT_ID))).status_code == 200
    entra.rotate_keys(retire_previous=True)
    jwks = entra_app.extensions["drafter.auth"].jwks
    started = jwks.clock()
    jwks.clock = lambda: started + jwks.cooldown + 1  # the unknown-kid cooldown has passed
    response = entra_client.get("/api/v1/me", headers=bearer(entra.user_token(API_CLIENT_ID)))
    assert response.status_code == 200, response.get_json()
    assert entra.jwks_requests == 2


def test_unknown_kids_cannot_hammer_the_authority(entra_app, entra_client, entra):
    entra_client.get("/api/v1/me", headers=bearer(entra.user_token(API_CLIENT_ID)))
    stranger = entra.add_key(published=False)
    for _ in range(20):
        response = entra_client.get("/api/v1/me", headers=bearer(entra.user_token(API_CLIENT_ID, kid=stranger)))
        assert response.status_code == 401
    assert entra.jwks_requests == 1  # within the cooldown the authority is not asked again
    jwks = entra_app.extensions["drafter.auth"].jwks
    started = jwks.clock()
    jwks.clock = lambda: started + jwks.cooldown + 1
    for _ in range(5):
        entra_client.get("/api/v1/me", headers=bearer(entra.user_token(API_CLIENT_ID, kid=stranger)))
    assert entra.jwks_requests == 2  # one refetch per cooldown, however many bad kids


def test_a_key_published_before_its_first_use_needs_no_refetch(entra_client, entra):
    entra.add_key()  # Entra publishes the next key weeks before signing with it
    upcoming = [kid for kid in (k["kid"] for k in entra.jwks()["keys"]) if kid != entra.kid][0]
    entra_client.get("/api/v1/me", headers=bearer(entra.user_token(API_CLIENT_ID)))
    entra.kid = upcoming
    assert entra_client.get("/api/v1/me", headers=bearer(entra.user_token(API_CLIENT_ID))).status_code == 200
    assert entra.jwks_requests == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_authority_unreachable_is_502_not_401(app_config, entra, monkeypatch, upstream):
    from server.app import create_app

    authority = f"https://127.0.0.1:{_closed_port()}"
    app = create_app({**entra_settings(app_config, entra, monkeypatch), "AUTHORITY_HOST": authority})
    token = entra.user_token(API_CLIENT_ID, iss=f"{authority}/{entra.tenant_id}/v2.0")  # names that authority
    response = app.test_client().post("/api/v1/rewrite", json=REWRITE, headers=bearer(token))
    assert response.status_code == 502
    assert response.get_json()["error"] == "upstream_error"
    assert "identity provider" in response.get_json()["message"]
    assert "WWW-Authenticate" not in response.headers
    assert upstream.requests == []


@pytest.mark.parametrize("status", [500, 503, 404])
def test_authority_failing_is_502(entra_client, entra, upstream, status):
    entra.jwks_failure = status
    response = entra_client.post("/api/v1/rewrite", json=REWRITE, headers=bearer(entra.user_token(API_CLIENT_ID)))
    assert response.status_code == 502
    assert response.get_json()["error"] == "upstream_error"
    assert upstream.requests == []


def test_an_untrusted_authority_certificate_is_502(app_config, entra, monkeypatch):
    from server.app import create_app

    settings = entra_settings(app_config, entra, monkeypatch)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")  # the system store does not know the fake's CA
    response = create_app(settings).test_client().get("/api/v1/me", headers=bearer(entra.user_token(API_CLIENT_ID)))
    assert response.status_code == 502


def test_dev_issued_tokens_are_refused_in_entra_mode(app_config, entra, monkeypatch, tmp_path, upstream):
    from server.app import create_app
    from server.auth.dev import DEV_TENANT_ID, DevIssuer

    dev = DevIssuer(tmp_path / "dev-key.pem", issuer="https://localhost:3000/dev/v2.0", audience=API_CLIENT_ID)
    token = dev.issue(name="Mallory", email="mallory@agency.gov", roles=["Drafter.Admin"])
    settings = entra_settings(app_config, entra, monkeypatch)
    for tenants in ([entra.tenant_id], [entra.tenant_id, DEV_TENANT_ID]):  # even with the dev tenant allowed
        client = create_app({**settings, "TENANT_IDS": tenants}).test_client()
        response = client.post("/api/v1/rewrite", json=REWRITE, headers=bearer(token))
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert entra.jwks_requests == 0  # refused for where it comes from, before any key lookup
    assert upstream.requests == []


def test_the_issuer_prefix_follows_the_authority_host(app_config, monkeypatch):
    """Azure Government works like this: the same service under another host name. Here the fake answers as
    https://localhost:PORT, and a token naming https://127.0.0.1:PORT (another cloud) is refused."""
    from server.app import create_app

    with FakeEntra(host="localhost") as other_cloud:
        client = create_app(entra_settings(app_config, other_cloud, monkeypatch)).test_client()
        good = other_cloud.user_token(API_CLIENT_ID)
        assert json.loads(base64.urlsafe_b64decode(good.split(".")[1] + "=="))["iss"].startswith("https://localhost:")
        assert client.get("/api/v1/me", headers=bearer(good)).status_code == 200
        port = other_cloud.authority_host.rsplit(":", 1)[1]
        foreign = other_cloud.user_token(API_CLIENT_ID, iss=f"https://127.0.0.1:{port}/{other_cloud.tenant_id}/v2.0")
        response = client.get("/api/v1/me", headers=bearer(foreign))
        assert response.status_code == 401
        assert "issuer that is not allowed" in response.get_json()["message"]
        assert [r["path"] for r in other_cloud.requests if r["path"].endswith("/keys")] == \
            ["/common/discovery/v2.0/keys"]
