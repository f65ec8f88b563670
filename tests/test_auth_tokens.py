"""The generic access-token validator: every rule it enforces, with the reason the caller sees."""
from __future__ import annotations

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from server.auth.tokens import MAX_TOKEN_BYTES, EntraIssuer, JwksCache, TokenValidator
from server.errors import Unauthorized, UpstreamError

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
AUTHORITY = "https://login.example.test"
ISSUER = f"{AUTHORITY}/{TENANT}/v2.0"
AUDIENCE = "11111111-2222-3333-4444-555555555555"


def _jwk(key, kid: str, issuer: str | None = ISSUER) -> dict:
    entry = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    entry.update({"kid": kid, "use": "sig"})
    if issuer:
        entry["issuer"] = issuer.replace(TENANT, "{tenantid}")
    return entry


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def fetches(key):
    calls = []

    def fetch():
        calls.append(time.monotonic())
        return {"keys": [_jwk(key, "k1")]}
    fetch.calls = calls
    return fetch


def _validator(fetch, **kw):
    entra = EntraIssuer(AUTHORITY, [TENANT])
    return TokenValidator(JwksCache(fetch), audiences=[AUDIENCE, "api://drafter.test/" + AUDIENCE],
                          issuer_for=entra.issuer_for, key_check=entra.key_matches, **kw)


def _claims(**changes):
    now = int(time.time())
    claims = {"aud": AUDIENCE, "iss": ISSUER, "iat": now, "nbf": now, "exp": now + 600, "ver": "2.0",
              "tid": TENANT, "oid": "AAAAAAAA-0000-0000-0000-000000000001", "scp": "User.Read access_as_user",
              "name": "Ada Clerk", "preferred_username": "ada@agency.gov", "roles": ["Drafter.Admin"]}
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def _token(key, kid="k1", alg="RS256", **changes):
    return jwt.encode(_claims(**changes), key, algorithm=alg, headers={"kid": kid})


def test_a_good_token_gives_the_user(key, fetches):
    principal = _validator(fetches).validate(_token(key))
    assert principal.user_key == f"{TENANT}:aaaaaaaa-0000-0000-0000-000000000001"
    assert principal.roles == ("Drafter.Admin",)
    assert principal.name == "Ada Clerk"


def test_app_id_uri_audience_is_accepted(key, fetches):
    assert _validator(fetches).validate(_token(key, aud="api://drafter.test/" + AUDIENCE)).tenant_id == TENANT


def test_leeway_of_two_minutes(key, fetches):
    now = int(time.time())
    _validator(fetches).validate(_token(key, exp=now - 60))  # within leeway
    with pytest.raises(Unauthorized, match="expired"):
        _validator(fetches).validate(_token(key, exp=now - 180))


@pytest.mark.parametrize(("changes", "reason"), [
    ({"aud": "someone-else"}, "for another application"),
    ({"iss": f"{AUTHORITY}/{TENANT}/v1.0"}, "issuer"),  # the key check or the issuer check
    ({"tid": "00000000-0000-0000-0000-000000000000"}, "tenant that is not allowed"),
    ({"tid": "not-a-guid"}, "no valid tenant"),
    ({"tid": None}, "no valid tenant"),
    ({"iss": f"{AUTHORITY}/00000000-0000-0000-0000-000000000000/v2.0"}, "does not match its tenant"),
    ({"iss": f"https://sts.windows.net/{TENANT}/"}, "issuer that is not allowed"),
    ({"iss": None}, "issuer that is not allowed"),
    ({"exp": None}, "lacks the exp claim"),
    ({"nbf": None}, "lacks the nbf claim"),
    ({"iat": None}, "lacks the iat claim"),
    ({"nbf": int(time.time()) + 3600}, "not valid yet"),
    ({"ver": "1.0"}, "Only v2.0"),
    ({"scp": "User.Read"}, "lacks the access_as_user scope"),
    ({"scp": None}, "lacks the access_as_user scope"),
    ({"oid": None}, "names no tenant or user"),
])
def test_bad_claims_are_refused_with_a_reason(key, fetches, changes, reason):
    with pytest.raises(Unauthorized, match=reason):
        _validator(fetches).validate(_token(key, **changes))


def test_other_signing_key_is_refused(fetches):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthorized, match="signature is not valid"):
        _validator(fetches).validate(_token(other))


@pytest.mark.parametrize(("token", "reason"), [
    ("", "no bearer token"),
    ("not.a.jwt", "malformed"),
    ("x" * (MAX_TOKEN_BYTES + 1), "too large"),
    ("x" * MAX_TOKEN_BYTES, "malformed"),  # 16 KB exactly is still read (and this one is no JWT)
])
def test_garbage_is_refused_unread(fetches, token, reason):
    with pytest.raises(Unauthorized, match=reason):
        _validator(fetches).validate(token)
    assert fetches.calls == []  # nothing was fetched for a token that could not be one


def test_symmetric_and_none_algorithms_are_refused(key, fetches):
    hs = jwt.encode(_claims(), "secret-secret-secret-secret-secret", algorithm="HS256", headers={"kid": "k1"})
    with pytest.raises(Unauthorized, match="RS256"):
        _validator(fetches).validate(hs)
    none = jwt.encode(_claims(), None, algorithm="none", headers={"kid": "k1"})
    with pytest.raises(Unauthorized, match="RS256"):
        _validator(fetches).validate(none)


def test_key_issued_for_another_tenant_is_refused(key):
    def fetch():
        return {"keys": [_jwk(key, "k1", issuer=f"{AUTHORITY}/99999999-0000-0000-0000-000000000000/v2.0")]}
    with pytest.raises(Unauthorized, match="does not belong to its issuer"):
        _validator(fetch).validate(_token(key))


def test_unknown_kids_refetch_at_most_once_per_cooldown(key, fetches):
    validator = _validator(fetches)
    validator.validate(_token(key))
    for _ in range(50):
        with pytest.raises(Unauthorized, match="unknown key"):
            validator.validate(_token(key, kid="made-up"))
    assert len(fetches.calls) == 1  # the flood did not reach the authority


def test_rotated_key_is_found_after_the_cooldown(key):
    clock = [0.0]
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    published = [[_jwk(key, "k1")]]

    def fetch():
        return {"keys": published[0]}
    cache = JwksCache(fetch, cooldown=60, clock=lambda: clock[0])
    assert cache.get("k1") is not None
    published[0] = [_jwk(key, "k1"), _jwk(new_key, "k2")]
    assert cache.get("k2") is None  # within the cooldown: no refetch
    clock[0] = 61
    assert cache.get("k2") is not None


def test_unusable_keys_in_the_jwks_are_skipped(key):
    def fetch():
        return {"keys": [{"kty": "EC", "kid": "ec"}, {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
                         _jwk(key, "k1")]}
    assert _validator(fetch).validate(_token(key)).tenant_id == TENANT


def test_a_validated_token_is_remembered_until_it_expires(key, fetches):
    now = [time.time()]
    validator = _validator(fetches, clock=lambda: now[0])
    token = _token(key, exp=int(now[0]) + 300)
    first = validator.validate(token)
    assert validator.validate(token) is first  # no second signature check
    now[0] += 300 + 120 + 1  # past expiry and leeway: checked again in full (PyJWT keeps real time)
    assert validator.validate(token) is not first


def test_a_refused_token_is_never_remembered(key, fetches):
    validator = _validator(fetches)
    token = _token(key, scp="User.Read")
    for _ in range(2):
        with pytest.raises(Unauthorized, match="access_as_user"):
            validator.validate(token)


def test_the_cache_is_bounded(key, fetches):
    validator = _validator(fetches, cache_size=3)
    tokens = [_token(key, oid=f"aaaaaaaa-0000-0000-0000-00000000000{i}") for i in range(5)]
    for token in tokens:
        validator.validate(token)
    assert len(validator._validated) == 3


def test_tokens_refused_for_their_tenant_or_version_never_reach_the_key_set(key, fetches):
    for changes in ({"tid": "00000000-0000-0000-0000-000000000000"}, {"ver": "1.0"},
                    {"iss": "https://login.example.other/" + TENANT + "/v2.0"}):
        with pytest.raises(Unauthorized):
            _validator(fetches).validate(_token(key, **changes))
    assert fetches.calls == []


def test_a_token_without_a_kid_is_refused(key, fetches):
    token = jwt.encode(_claims(), key, algorithm="RS256")
    with pytest.raises(Unauthorized, match="does not name its signing key"):
        _validator(fetches).validate(token)


@pytest.mark.parametrize(("template", "accepted"), [
    (f"{AUTHORITY}/{{tenantid}}/v2.0", True),
    (ISSUER, True),  # a tenant-specific key set names the tenant itself
    (None, False),  # no template: not a key Entra published for v2 tokens
    (f"{AUTHORITY}/99999999-0000-0000-0000-000000000000/v2.0", False),
    ("https://login.example.other/{tenantid}/v2.0", False),
    (["not", "a", "string"], False),
])
def test_the_key_issuer_template(template, accepted):
    jwk = {} if template is None else {"issuer": template}
    assert EntraIssuer.key_matches(jwk, _claims()) is accepted


def test_sovereign_clouds_change_only_the_authority_host():
    gov = EntraIssuer("https://login.microsoftonline.us/", [TENANT])
    assert gov.jwks_url == "https://login.microsoftonline.us/common/discovery/v2.0/keys"
    claims = _claims(iss=f"https://login.microsoftonline.us/{TENANT}/v2.0")
    assert gov.issuer_for(claims) == f"https://login.microsoftonline.us/{TENANT}/v2.0"
    with pytest.raises(Unauthorized, match="issuer that is not allowed"):  # a public-cloud token
        gov.issuer_for(_claims(iss=f"https://login.microsoftonline.com/{TENANT}/v2.0"))


def test_tenant_ids_compare_without_case():
    entra = EntraIssuer(AUTHORITY, [TENANT.upper()])
    assert entra.issuer_for(_claims()) == ISSUER


class _Authority:
    """A JWKS source that can go down, on a clock the test moves."""

    def __init__(self, key):
        self.now = 0.0
        self.down = False
        self.calls = 0
        self.keys = [_jwk(key, "k1")]

    def fetch(self):
        self.calls += 1
        if self.down:
            raise ConnectionError("authority down")
        return {"keys": self.keys}

    def cache(self, **kw):
        return JwksCache(self.fetch, ttl=3600, cooldown=60, retry_after_failure=5, clock=lambda: self.now, **kw)


def test_known_keys_keep_working_while_the_authority_is_down(key):
    authority = _Authority(key)
    cache = authority.cache()
    assert cache.get("k1") is not None
    authority.down, authority.now = True, 4000.0  # past the TTL: a refresh is due and fails
    assert cache.get("k1") is not None
    assert cache.get("k1") is not None
    assert authority.calls == 2  # one failed refresh, then the backoff


def test_no_keys_and_no_authority_is_an_upstream_error_retried_after_a_pause(key):
    authority = _Authority(key)
    authority.down = True
    cache = authority.cache()
    for _ in range(3):
        with pytest.raises(UpstreamError, match="identity provider"):
            cache.get("k1")
    assert authority.calls == 1  # the pause after a failure spares the authority
    authority.down, authority.now = False, 6.0
    assert cache.get("k1") is not None
    assert authority.calls == 2


def test_an_unknown_kid_while_the_authority_is_down_is_an_upstream_error(key):
    authority = _Authority(key)
    cache = authority.cache()
    cache.get("k1")
    authority.down, authority.now = True, 61.0
    with pytest.raises(UpstreamError):
        cache.get("new-kid")
    assert cache.get("k1") is not None  # the known key still serves


@pytest.mark.parametrize("answer", [[], {"keys": "none"}, {"no": "keys"}, "text"])
def test_a_key_set_of_the_wrong_shape_is_an_upstream_error(answer):
    with pytest.raises(UpstreamError):
        JwksCache(lambda: answer).get("k1")
