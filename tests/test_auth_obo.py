"""On-behalf-of through the real msal against a fake Entra ID over HTTPS: the jwt-bearer grant, MSAL's cache
(per user, bounded, shared encrypted through the real Redis), Entra's refusals as typed errors, GET /api/v1/me
with the Graph profile, and no token in any log line."""
from __future__ import annotations

import logging
import re
import socket
import time

import pytest
import redis
import trustme

from server.auth.app_credential import load_client_credential
from server.auth.obo import OnBehalfOfClient
from server.auth.token_store import TokenStore
from server.errors import InteractionRequired, Unauthorized, UpstreamError, UpstreamTimeout
from tests.fakes.entra import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests.fakes.entra_obo import CA_CLAIMS, JWT_BEARER

ADA, BEN = "ada@agency.gov", "ben@agency.gov"
JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.")  # a JSON header, a JSON payload: a token
RSA = trustme.KeyType.RSA  # Entra ID takes RSA certificates only


def make_client(fake_entra, session, *, credential=DEFAULT_CLIENT_SECRET, store=None, capacity=100,
                host=None, timeout=(5.0, 30.0)) -> OnBehalfOfClient:
    return OnBehalfOfClient(authority_host=host or fake_entra.authority_host, client_id=DEFAULT_CLIENT_ID,
                            client_credential=credential, session=session, store=store, capacity=capacity,
                            verify=fake_entra.ca_path, timeout=timeout)


def acquire(client, fake_entra, obo_grant, fake_graph, user=ADA, scope="User.Read", assertion=None) -> str:
    oid = obo_grant.object_id(user, fake_entra.tenant_id)
    return client.acquire_for(fake_entra.tenant_id, oid, assertion or obo_grant.user_assertion(user=user),
                              [f"{fake_graph.url}/{scope}"])


def test_on_behalf_of_request_and_token_are_what_entra_documents(fake_entra, obo_grant, fake_graph, session):
    assertion = obo_grant.user_assertion(user=ADA)
    token = acquire(make_client(fake_entra, session), fake_entra, obo_grant, fake_graph, assertion=assertion)
    [post] = [r for r in fake_entra.requests if r["method"] == "POST"]
    form = post["form"]
    assert post["path"] == f"/{fake_entra.tenant_id}/oauth2/v2.0/token"
    assert form["grant_type"] == JWT_BEARER and form["requested_token_use"] == "on_behalf_of"
    assert form["assertion"] == assertion and form["client_id"] == DEFAULT_CLIENT_ID
    assert f"{fake_graph.url}/User.Read" in form["scope"].split()
    claims = fake_entra.decode(token, audience=fake_graph.url)
    assert claims["oid"] == obo_grant.object_id(ADA, fake_entra.tenant_id) and claims["scp"] == "User.Read"
    # instance discovery is off: MSAL reads only this tenant's own metadata, never asks which clouds exist
    assert [r["path"] for r in fake_entra.requests if r["method"] == "GET"] == [
        f"/{fake_entra.tenant_id}/v2.0/.well-known/openid-configuration"]


def test_token_is_cached_per_user_and_scope(fake_entra, obo_grant, fake_graph, session):
    client = make_client(fake_entra, session)
    first = acquire(client, fake_entra, obo_grant, fake_graph)
    assert acquire(client, fake_entra, obo_grant, fake_graph) == first  # a new assertion, the cached token
    assert obo_grant.requests == 1
    files = acquire(client, fake_entra, obo_grant, fake_graph, scope="Files.Read.All")
    assert files != first and obo_grant.requests == 2
    ben = acquire(client, fake_entra, obo_grant, fake_graph, user=BEN)
    assert obo_grant.requests == 3
    assert fake_entra.decode(ben, audience=fake_graph.url)["oid"] == obo_grant.object_id(BEN, fake_entra.tenant_id)
    assert acquire(client, fake_entra, obo_grant, fake_graph) == first  # Ada still gets Ada's token
    assert obo_grant.requests == 3


def test_cache_is_bounded_by_users(fake_entra, obo_grant, fake_graph, session):
    client = make_client(fake_entra, session, capacity=1)
    acquire(client, fake_entra, obo_grant, fake_graph, user=ADA)
    acquire(client, fake_entra, obo_grant, fake_graph, user=BEN)  # Ada's tokens are forgotten
    assert client.users_cached == 1
    acquire(client, fake_entra, obo_grant, fake_graph, user=ADA)
    assert obo_grant.requests == 3


@pytest.mark.parametrize("failure, error, words, claims", [
    ("interaction_required", InteractionRequired, "sign in again", CA_CLAIMS),
    ("mfa", InteractionRequired, "multi-factor", CA_CLAIMS),
    ("consent_required", InteractionRequired, "consent", None),
    ("assertion_expired", Unauthorized, "expired; sign in again", None),
    ("invalid_client", UpstreamError, "AADSTS7000215", None),
])
def test_entra_refusals_become_typed_errors(fake_entra, obo_grant, fake_graph, session, failure, error, words,
                                            claims):
    obo_grant.fail_next(failure)
    with pytest.raises(error) as caught:
        acquire(make_client(fake_entra, session), fake_entra, obo_grant, fake_graph)
    assert type(caught.value) is error and words in caught.value.message
    assert getattr(caught.value, "claims", None) == claims
    assert caught.value.to_dict().get("claims") == claims
    assert DEFAULT_CLIENT_SECRET not in caught.value.message


def test_really_expired_assertion_is_a_plain_401(fake_entra, obo_grant, fake_graph, session):
    now = int(time.time())
    stale = obo_grant.user_assertion(iat=now - 7200, nbf=now - 7200, exp=now - 60)
    with pytest.raises(Unauthorized) as caught:
        acquire(make_client(fake_entra, session), fake_entra, obo_grant, fake_graph, assertion=stale)
    assert type(caught.value) is Unauthorized


def test_assertion_for_another_app_is_refused(fake_entra, obo_grant, fake_graph, session):
    other = obo_grant.user_assertion(audience="11111111-2222-3333-4444-555555555555")
    with pytest.raises(Unauthorized, match="did not accept your sign-in"):
        acquire(make_client(fake_entra, session), fake_entra, obo_grant, fake_graph, assertion=other)


def test_wrong_secret(fake_entra, obo_grant, fake_graph, session):
    with pytest.raises(UpstreamError, match="AADSTS7000215") as caught:
        acquire(make_client(fake_entra, session, credential="wrong~secret"), fake_entra, obo_grant, fake_graph)
    assert "wrong~secret" not in caught.value.message


def test_entra_unreachable(fake_entra, obo_grant, fake_graph, session):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(UpstreamError, match="cannot be reached"):
        acquire(make_client(fake_entra, session, host=f"https://127.0.0.1:{port}"), fake_entra, obo_grant,
                fake_graph)


@pytest.fixture
def certificate_pem(tmp_path):
    leaf = trustme.CA().issue_cert("drafter.agency.test", key_type=RSA)
    path = tmp_path / "drafter-app.pem"
    path.write_bytes(leaf.private_key_pem.bytes() + leaf.cert_chain_pems[0].bytes())
    return path, leaf.cert_chain_pems[0].bytes()


def test_certificate_credential_signs_the_client_assertion(fake_entra, obo_grant, fake_graph, session,
                                                           certificate_pem):
    path, cert = certificate_pem
    obo_grant.certificates[DEFAULT_CLIENT_ID] = cert
    credential = load_client_credential("", str(path))
    assert set(credential) == {"private_key", "public_certificate"}
    token = acquire(make_client(fake_entra, session, credential=credential), fake_entra, obo_grant, fake_graph)
    assert fake_entra.decode(token, audience=fake_graph.url)["scp"] == "User.Read"
    [post] = [r for r in fake_entra.requests if r["method"] == "POST"]
    assert "client_secret" not in post["form"] and post["form"]["client_assertion"]


def test_unregistered_certificate_is_refused(fake_entra, obo_grant, fake_graph, session, certificate_pem):
    credential = load_client_credential("", str(certificate_pem[0]))
    with pytest.raises(UpstreamError, match="AADSTS700027"):
        acquire(make_client(fake_entra, session, credential=credential), fake_entra, obo_grant, fake_graph)


def _pem(leaf) -> bytes:
    return leaf.private_key_pem.bytes() + leaf.cert_chain_pems[0].bytes()


def _mismatched(tmp_path):
    first, second = (trustme.CA().issue_cert(name, key_type=RSA) for name in ("a.test", "b.test"))
    return first.private_key_pem.bytes() + second.cert_chain_pems[0].bytes()


@pytest.mark.parametrize("content, words", [
    (None, "cannot read"),
    (lambda tmp: b"not a pem", "unencrypted private key and its certificate"),
    (lambda tmp: trustme.CA().issue_cert("a.test", key_type=RSA).cert_chain_pems[0].bytes(),
     "unencrypted private key"),
    (_mismatched, "does not belong to the private key"),
    (lambda tmp: _pem(trustme.CA().issue_cert("ec.test")), "RSA certificates only"),
])
def test_certificate_file_problems_name_the_setting(tmp_path, content, words):
    path = tmp_path / "cert.pem"
    if content is not None:
        path.write_bytes(content(tmp_path))
    with pytest.raises(ValueError, match=words) as caught:
        load_client_credential("", str(path))
    assert str(caught.value).startswith("DRAFTER_CLIENT_CERTIFICATE_PATH: ")


def test_no_credential_at_all():
    with pytest.raises(ValueError, match="^DRAFTER_CLIENT_SECRET: "):
        load_client_credential("", "")


def test_no_token_or_assertion_in_any_log_line(fake_entra, obo_grant, fake_graph, session, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(fake_entra, session)
    assertion = obo_grant.user_assertion(user=ADA)
    token = acquire(client, fake_entra, obo_grant, fake_graph, assertion=assertion)
    obo_grant.fail_next("mfa")
    with pytest.raises(InteractionRequired):
        acquire(client, fake_entra, obo_grant, fake_graph, user=BEN)
    assert caplog.records  # msal and this service did log
    assert not JWT.search(caplog.text)  # no token at all, whoever logged
    for secret in (token, assertion, DEFAULT_CLIENT_SECRET, token.split(".")[2], assertion.split(".")[2]):
        assert secret not in caplog.text


# ---- the cache shared through Redis ----

def _store(redis_url, credential=DEFAULT_CLIENT_SECRET) -> TokenStore:
    return TokenStore.from_url(redis_url, credential)


def test_second_instance_reuses_the_token_through_redis(fake_entra, obo_grant, fake_graph, session, redis_url):
    first = make_client(fake_entra, session, store=_store(redis_url))
    second = make_client(fake_entra, session, store=_store(redis_url))
    token = acquire(first, fake_entra, obo_grant, fake_graph)
    assert acquire(second, fake_entra, obo_grant, fake_graph) == token
    assert obo_grant.requests == 1
    ben = acquire(second, fake_entra, obo_grant, fake_graph, user=BEN)  # nothing shared for Ben yet
    assert obo_grant.requests == 2 and ben != token


def test_redis_holds_no_readable_token_and_expires(fake_entra, obo_grant, fake_graph, session, redis_url):
    store = _store(redis_url)
    token = acquire(make_client(fake_entra, session, store=store), fake_entra, obo_grant, fake_graph)
    raw = redis.Redis.from_url(redis_url)
    try:
        key = store.key(DEFAULT_CLIENT_ID, fake_entra.tenant_id, obo_grant.object_id(ADA, fake_entra.tenant_id))
        values = list(raw.hgetall(key).values())
        assert len(values) == 1
        assert token.encode() not in values[0] and token.split(".")[1].encode() not in values[0]
        assert 0 < raw.ttl(key) <= 3600
        assert all(b"ada" not in k.lower() for k in raw.keys("drafter:*"))  # names are hashes
    finally:
        raw.close()


def test_a_store_with_another_key_cannot_open_shared_tokens(fake_entra, obo_grant, fake_graph, session,
                                                            redis_url, caplog):
    acquire(make_client(fake_entra, session, store=_store(redis_url)), fake_entra, obo_grant, fake_graph)
    stranger = make_client(fake_entra, session, store=_store(redis_url, credential="another-secret"))
    acquire(stranger, fake_entra, obo_grant, fake_graph)
    assert obo_grant.requests == 2
    assert "does not open" in caplog.text


def test_redis_down_costs_only_the_sharing(fake_entra, obo_grant, fake_graph, session, caplog):
    client = make_client(fake_entra, session, store=_store("redis://127.0.0.1:1/0"))
    token = acquire(client, fake_entra, obo_grant, fake_graph)
    assert acquire(client, fake_entra, obo_grant, fake_graph) == token  # still cached in memory
    assert "cannot share an on-behalf-of token through Redis" in caplog.text
    assert token not in caplog.text


# ---- GET /api/v1/me ----

@pytest.fixture
def entra_app(entra_obo_config, fake_graph, obo_grant, fake_entra):
    from server.app import create_app

    for user, title in ((ADA, "Policy Analyst"), (BEN, "Records Officer")):
        fake_graph.add_user(obo_grant.object_id(user, fake_entra.tenant_id), displayName=user.split("@")[0].title()
                            + " Lovelace", jobTitle=title, userPrincipalName=user)
    return create_app(entra_obo_config)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_me_has_the_graph_profile_cached(entra_app, obo_grant, fake_graph, fake_entra):
    client = entra_app.test_client()
    response = client.get("/api/v1/me", headers=bearer(obo_grant.user_assertion(user=ADA)))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["display_name"] == "Ada Lovelace" and body["job_title"] == "Policy Analyst"
    assert body["profile_source"] == "graph" and body["username"] == ADA
    assert body["object_id"] == obo_grant.object_id(ADA, fake_entra.tenant_id)
    assert not JWT.search(response.get_data(as_text=True))  # the Graph token stays on the server
    again = client.get("/api/v1/me", headers=bearer(obo_grant.user_assertion(user=ADA)))
    assert again.get_json()["job_title"] == "Policy Analyst"
    assert obo_grant.requests == 1 and len([r for r in fake_graph.requests if r["path"] == "/me"]) == 1
    ben = client.get("/api/v1/me", headers=bearer(obo_grant.user_assertion(user=BEN))).get_json()
    assert ben["job_title"] == "Records Officer" and obo_grant.requests == 2


@pytest.mark.parametrize("failure, code, claims", [
    ("interaction_required", "interaction_required", CA_CLAIMS),
    ("mfa", "interaction_required", CA_CLAIMS),
    ("assertion_expired", "unauthorized", None),
])
def test_me_passes_sign_in_problems_to_the_pane(entra_app, obo_grant, failure, code, claims):
    obo_grant.fail_next(failure)
    response = entra_app.test_client().get("/api/v1/me", headers=bearer(obo_grant.user_assertion()))
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"] == code and body.get("claims") == claims and body["request_id"]


@pytest.mark.parametrize("status", [429, 503])
def test_me_without_graph_still_names_the_caller(entra_app, obo_grant, fake_graph, status):
    fake_graph.fail_next("/me", status, retry_after=5)
    body = entra_app.test_client().get("/api/v1/me", headers=bearer(obo_grant.user_assertion())).get_json()
    assert body["profile_source"] == "token" and body["display_name"] == "Ada" and body["job_title"] is None


def test_me_in_dev_mode_makes_no_outbound_call(client, auth_headers, app):
    app.extensions["drafter.graph"].client = None  # any Graph call would fail loudly
    body = client.get("/api/v1/me", headers=auth_headers).get_json()
    assert body["display_name"] == "Ada Clerk" and body["job_title"] is None and body["profile_source"] == "token"


def test_me_is_shared_through_redis_by_two_instances(entra_obo_config, fake_graph, obo_grant, fake_entra,
                                                     redis_url):
    from server.app import create_app

    fake_graph.add_user(obo_grant.object_id(ADA, fake_entra.tenant_id), displayName="Ada Lovelace",
                        jobTitle="Policy Analyst")
    first, second = (create_app({**entra_obo_config, "REDIS_URL": redis_url}) for _ in range(2))
    for app in (first, second):
        response = app.test_client().get("/api/v1/me", headers=bearer(obo_grant.user_assertion()))
        assert response.get_json()["job_title"] == "Policy Analyst"
    assert obo_grant.requests == 1  # the second instance found Ada's Graph token in Redis


def test_app_logs_no_token(entra_app, obo_grant, fake_graph, caplog):
    caplog.set_level(logging.DEBUG)
    assertion = obo_grant.user_assertion()
    entra_app.test_client().get("/api/v1/me", headers=bearer(assertion))
    obo_grant.fail_next("interaction_required")
    entra_app.test_client().get("/api/v1/me", headers=bearer(obo_grant.user_assertion(user=BEN)))
    assert obo_grant.issued
    assert assertion not in caplog.text and not JWT.search(caplog.text)  # no token at all, whoever logged
    assert "Entra ID refused an on-behalf-of token: error=interaction_required" in caplog.text


def test_entra_mode_without_credential_keeps_me_working(entra_obo_config, obo_grant):
    from server.app import create_app

    app = create_app({**entra_obo_config, "CLIENT_SECRET": ""})
    body = app.test_client().get("/api/v1/me", headers=bearer(obo_grant.user_assertion())).get_json()
    assert body["profile_source"] == "token" and obo_grant.requests == 0


NBF_CLAIMS = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}'


def _sent_claims(fake_entra) -> dict:
    import json

    return json.loads([r for r in fake_entra.requests if r["method"] == "POST"][-1]["form"]["claims"])


@pytest.mark.parametrize("wait, claims_sent", [(0, True), (601, False)])
def test_a_claims_challenge_drops_only_that_users_tokens(fake_entra, obo_grant, fake_graph, session, wait,
                                                         claims_sent):
    client = make_client(fake_entra, session)
    ada, ben = (acquire(client, fake_entra, obo_grant, fake_graph, user=u) for u in (ADA, BEN))
    client.challenged(fake_entra.tenant_id, obo_grant.object_id(ADA, fake_entra.tenant_id), NBF_CLAIMS)
    start = client.clock()
    client.clock = lambda: start + wait
    assert acquire(client, fake_entra, obo_grant, fake_graph, user=BEN) == ben  # Ben's token is untouched
    assert obo_grant.requests == 2
    renewed = acquire(client, fake_entra, obo_grant, fake_graph, user=ADA)
    assert renewed != ada and obo_grant.requests == 3  # Ada's refused token was forgotten either way
    # a fresh challenge goes to Entra with the request; one older than 10 minutes no longer does
    assert ("nbf" in _sent_claims(fake_entra)["access_token"]) is claims_sent
    assert acquire(client, fake_entra, obo_grant, fake_graph, user=ADA) == renewed and obo_grant.requests == 3


def test_a_claims_challenge_drops_all_of_that_users_tokens_everywhere(fake_entra, obo_grant, fake_graph, session,
                                                                      redis_url):
    """Deliberately every scope, not only the refused one: the challenge is about the user's session."""
    connections = [redis.Redis.from_url(redis_url, socket_timeout=0.5) for _ in range(2)]
    try:
        first, second = (make_client(fake_entra, session, store=TokenStore(c, DEFAULT_CLIENT_SECRET.encode()))
                         for c in connections)
        profile = acquire(first, fake_entra, obo_grant, fake_graph, scope="User.Read")
        acquire(first, fake_entra, obo_grant, fake_graph, scope="Files.Read.All")
        ben = acquire(first, fake_entra, obo_grant, fake_graph, user=BEN)
        assert obo_grant.requests == 3
        first.challenged(fake_entra.tenant_id, obo_grant.object_id(ADA, fake_entra.tenant_id), NBF_CLAIMS)
        # another instance finds only what Redis still holds: not her profile token, though Graph refused the other
        assert acquire(second, fake_entra, obo_grant, fake_graph, scope="User.Read") != profile
        assert obo_grant.requests == 4
        assert acquire(second, fake_entra, obo_grant, fake_graph, user=BEN) == ben
        assert obo_grant.requests == 4  # Ben's shared token was left alone
        # this instance forgot both of hers too, and asks with the claims
        assert acquire(first, fake_entra, obo_grant, fake_graph, scope="User.Read") != profile
        assert obo_grant.requests == 5 and "nbf" in _sent_claims(fake_entra)["access_token"]
        acquire(second, fake_entra, obo_grant, fake_graph, scope="Files.Read.All")
        assert obo_grant.requests == 6  # the refused Files token is in no instance's reach
    finally:
        for connection in connections:
            connection.close()


def test_one_application_per_tenant_authority(fake_entra, obo_grant, fake_graph, session):
    other = "0b0b0b0b-0000-4000-8000-0000000000bb"
    fake_entra.tenants.add(other)  # a second allowed tenant, with its own users
    client = make_client(fake_entra, session)
    for tenant in (fake_entra.tenant_id, other):
        token = client.acquire_for(tenant, obo_grant.object_id(ADA, tenant), obo_grant.user_assertion(tenant=tenant),
                                   [f"{fake_graph.url}/User.Read"])
        assert fake_entra.decode(token, audience=fake_graph.url)["tid"] == tenant
    assert client.application(other) is not client.application(fake_entra.tenant_id)
    assert client.application(other) is client.application(other)  # built once, MSAL's cache kept
    assert [r["path"] for r in fake_entra.requests if r["method"] == "POST"] == [
        f"/{tenant}/oauth2/v2.0/token" for tenant in (fake_entra.tenant_id, other)]


# ---- Entra slow, silent, hanging up, or not knowing the tenant ----

def test_entra_slow_to_answer_the_token_request(fake_entra, obo_grant, fake_graph, session):
    grant = fake_entra.grant_handlers[JWT_BEARER]

    def slow(tenant, form):
        time.sleep(1.5)
        return grant(tenant, form)
    fake_entra.grant_handlers[JWT_BEARER] = slow
    with pytest.raises(UpstreamTimeout, match="did not answer in time"):
        acquire(make_client(fake_entra, session, timeout=(2.0, 0.5)), fake_entra, obo_grant, fake_graph)


def test_entra_silent_before_it_describes_the_tenant(fake_entra, obo_grant, fake_graph, session):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never answers
        client = make_client(fake_entra, session, host=f"https://127.0.0.1:{silent.getsockname()[1]}",
                             timeout=(1.0, 0.5))
        with pytest.raises(UpstreamTimeout, match="did not answer in time"):
            acquire(client, fake_entra, obo_grant, fake_graph)


def test_entra_hanging_up_on_the_token_request(fake_entra, obo_grant, fake_graph, session):
    def hang_up(tenant, form):
        raise ConnectionAbortedError("the fake drops the connection without an answer")
    fake_entra.grant_handlers[JWT_BEARER] = hang_up
    with pytest.raises(UpstreamError, match="cannot be reached"):
        acquire(make_client(fake_entra, session), fake_entra, obo_grant, fake_graph)


def test_a_tenant_the_authority_does_not_know(fake_entra, obo_grant, fake_graph, session):
    stranger = "0d0d0d0d-0000-4000-8000-0000000000dd"  # allowed by Drafter, unknown to this authority
    client = make_client(fake_entra, session)
    with pytest.raises(UpstreamError, match="could not describe this tenant"):
        client.acquire_for(stranger, obo_grant.object_id(ADA, stranger), obo_grant.user_assertion(),
                           [f"{fake_graph.url}/User.Read"])
    assert obo_grant.requests == 0  # no token request for a tenant Entra did not describe


def test_me_passes_a_graph_claims_challenge_to_the_pane(entra_app, obo_grant, fake_graph):
    """Continuous access evaluation on /me: the pane is asked to sign in again, and the refused token is gone."""
    from tests.fakes.graph import claims_challenge_claims

    fake_graph.fail_next("/me", 401)
    client = entra_app.test_client()
    refused = client.get("/api/v1/me", headers=bearer(obo_grant.user_assertion()))
    assert refused.status_code == 401
    body = refused.get_json()
    assert body["error"] == "interaction_required" and body["claims"] == claims_challenge_claims(1700000000)
    again = client.get("/api/v1/me", headers=bearer(obo_grant.user_assertion()))
    assert again.status_code == 200 and again.get_json()["job_title"] == "Policy Analyst"
    assert obo_grant.requests == 2  # a new Graph token, asked for with the claims, not the refused one
