"""Bearer access-token validation: RS256 against a cached JWKS, issuer, audience, scope and expiry.

Pure Python (PyJWT + requests), no Flask. The same validator serves Entra ID (keys fetched from the
authority's JWKS) and the dev issuer (keys handed over in memory). Tokens are never logged.

Every refusal is an Unauthorized subclass that says which RFC 6750 error the WWW-Authenticate challenge
carries: no token at all (no error code), a malformed Authorization header (invalid_request), or a token that
fails a check (invalid_token). All of them render as 401 {"error": "unauthorized", ...}.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import jwt

from server.errors import Unauthorized, UpstreamError

log = logging.getLogger(__name__)

MAX_TOKEN_BYTES = 16 * 1024
LEEWAY_SECONDS = 120
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
VALIDATED_CACHE_SIZE = 10_000
IDENTITY_PROVIDER_DOWN = "Cannot reach the identity provider to check the access token; try again shortly."


class MissingToken(Unauthorized):
    """No credentials at all: the challenge names the scheme and nothing else (RFC 6750, 3.1)."""

    bearer_error: str | None = None


class MalformedAuthorization(Unauthorized):
    """The Authorization header is not `Bearer <one token>`."""

    bearer_error = "invalid_request"


class InvalidToken(Unauthorized):
    """A token was sent but fails a check: malformed, badly signed, expired, for another app or tenant..."""

    bearer_error = "invalid_token"


@dataclass(frozen=True)
class Principal:
    """Who called: a user is tenant id + object id; roles and scopes come from the token."""

    tenant_id: str
    object_id: str
    name: str = ""
    username: str = ""
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    claims: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def groups(self) -> tuple[str, ...]:
        """Group object ids from the groups claim (lowercase); empty when the token carries none."""
        groups = self.claims.get("groups")
        if not isinstance(groups, list):
            return ()
        return tuple(str(g).lower() for g in groups if isinstance(g, str))

    @property
    def groups_overage(self) -> bool:
        """Entra left the groups out (too many) and points at Graph instead: _claim_names names "groups"."""
        names = self.claims.get("_claim_names")
        return "groups" not in self.claims and isinstance(names, dict) and "groups" in names

    @property
    def user_key(self) -> str:
        return f"{self.tenant_id}:{self.object_id}"

    def to_dict(self) -> dict:
        return {"tenant_id": self.tenant_id, "object_id": self.object_id, "name": self.name,
                "username": self.username, "roles": list(self.roles)}


class JwksCache:
    """Signing keys by `kid`, fetched through `fetch()` (a JWKS dict), cached for `ttl` seconds.

    An unknown kid triggers a refetch (keys rotate), but the authority is asked at most once per `cooldown`
    seconds, counted from the last attempt, so a flood of tokens with made-up kids cannot hammer it. When a
    refetch fails, keys already known keep working (a short outage of the authority does not sign everyone
    out); with no usable key the failure is an UpstreamError (502), tried again after `retry_after_failure`.
    `cooldown` and `clock` are public so a test can let time pass.
    """

    def __init__(self, fetch: Callable[[], dict], *, ttl: float = 3600.0, cooldown: float = 60.0,
                 retry_after_failure: float = 5.0, clock: Callable[[], float] = time.monotonic):
        self._fetch = fetch
        self._ttl = ttl
        self.cooldown = cooldown
        self._retry_after_failure = retry_after_failure
        self.clock = clock
        self._keys: dict[str, tuple[jwt.PyJWK, dict]] = {}  # kid -> (key, the JWK entry it came from)
        self._fetched_at: float | None = None  # last success
        self._attempted_at: float | None = None  # last attempt, successful or not
        self._failed = False
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        jwks = self._fetch()
        entries = jwks.get("keys") if isinstance(jwks, dict) else None
        if not isinstance(entries, list):
            raise ValueError("the JWKS has no keys list")
        keys = {}
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA" or not entry.get("kid"):
                continue
            try:
                keys[entry["kid"]] = (jwt.PyJWK(entry, algorithm="RS256"), entry)
            except jwt.PyJWTError as exc:
                log.warning("skipping unusable JWKS key %s: %s", entry.get("kid"), exc)
        self._keys = keys
        self._fetched_at = self.clock()

    def get(self, kid: str) -> jwt.PyJWK | None:
        entry = self._lookup(kid)
        return entry[0] if entry else None

    def raw(self, kid: str) -> dict | None:
        entry = self._lookup(kid)
        return entry[1] if entry else None

    def _lookup(self, kid: str) -> tuple[jwt.PyJWK, dict] | None:
        with self._lock:
            now = self.clock()
            fresh = self._fetched_at is not None and now - self._fetched_at <= self._ttl
            known = self._keys.get(kid)
            if fresh and known:
                return known
            if self._attempted_at is not None:
                wait = self._retry_after_failure if self._failed else self.cooldown
                if now - self._attempted_at < wait:
                    if known or not self._failed:
                        return known
                    raise UpstreamError(IDENTITY_PROVIDER_DOWN)
            self._attempted_at = now
            try:
                self._refresh()
            except Exception as exc:  # whatever went wrong, it is the authority's side, never the caller's
                self._failed = True
                log.error("cannot fetch the identity provider's signing keys: %s", type(exc).__name__)
                if known:
                    return known
                raise UpstreamError(IDENTITY_PROVIDER_DOWN) from None
            self._failed = False
            return self._keys.get(kid)


class TokenValidator:
    """Validates a bearer token and returns the Principal, or raises InvalidToken with a plain reason.

    `issuer_for(unverified_claims)` names the issuer the token must carry, or raises InvalidToken (or returns
    None) when its tenant or issuer is not accepted; it runs before any key lookup, so tokens from elsewhere
    never make the service ask the authority for keys. `key_check(jwk, claims)` says whether the signing
    key may sign for the token's issuer.
    """

    def __init__(self, keys: JwksCache, *, audiences: Iterable[str], issuer_for: Callable[[dict], str | None],
                 required_scope: str | None = "access_as_user", leeway: float = LEEWAY_SECONDS,
                 key_check: Callable[[dict, dict], bool] | None = None,
                 clock: Callable[[], float] = time.time, cache_size: int = VALIDATED_CACHE_SIZE):
        self.keys = keys
        self._audiences = [a for a in audiences if a]
        self._issuer_for = issuer_for
        self._required_scope = required_scope
        self._leeway = leeway
        self._key_check = key_check
        self._clock = clock
        # The pane sends the same token with every call for an hour: a token that passed every check is
        # remembered (by its SHA-256, never the token itself) until it expires, saving a signature check.
        self._validated: OrderedDict[bytes, tuple[Principal, float]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()

    def validate(self, token: str) -> Principal:
        if not token:
            raise MissingToken("Sign in first: the request has no bearer token.")
        if len(token) > MAX_TOKEN_BYTES:  # before anything reads it: a real access token is a few KB
            raise InvalidToken("The access token is too large (over 16 KB); it was not read.")
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        with self._cache_lock:
            hit = self._validated.get(digest)
            if hit is not None:
                if self._clock() < hit[1]:
                    self._validated.move_to_end(digest)
                    return hit[0]
                del self._validated[digest]
        principal = self._validate(token)
        with self._cache_lock:
            self._validated[digest] = (principal, float(principal.claims["exp"]) + self._leeway)
            while len(self._validated) > self._cache_size:
                self._validated.popitem(last=False)
        return principal

    def _validate(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except (jwt.PyJWTError, UnicodeError, ValueError):
            raise InvalidToken("The access token is malformed: it is not a signed JWT.") from None
        if header.get("alg") != "RS256":
            raise InvalidToken("The access token must be signed with RS256.")
        if unverified.get("ver") != "2.0":
            raise InvalidToken("Only v2.0 access tokens are accepted; the app registration must request "
                               "version 2 tokens (requestedAccessTokenVersion).")
        issuer = self._issuer_for(unverified)
        if issuer is None or unverified.get("iss") != issuer:
            raise InvalidToken("The access token comes from an issuer that is not allowed.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("The access token does not name its signing key (kid).")
        key = self.keys.get(kid)
        if key is None:
            raise InvalidToken("The access token was signed by an unknown key.")
        if self._key_check is not None and not self._key_check(self.keys.raw(kid) or {}, unverified):
            raise InvalidToken("The access token's signing key does not belong to its issuer.")
        try:
            claims = jwt.decode(
                token, key=key.key, algorithms=["RS256"], audience=self._audiences, issuer=issuer,
                leeway=self._leeway, options={"require": ["exp", "nbf", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("The access token has expired; sign in again.") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("The access token is not valid yet; check the computer's clock.") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("The access token is for another application.") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("The access token comes from an issuer that is not allowed.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"The access token lacks the {exc.claim} claim.") from None
        except jwt.PyJWTError:
            raise InvalidToken("The access token's signature is not valid.") from None
        scopes = tuple(str(claims.get("scp", "")).split())
        if self._required_scope and self._required_scope not in scopes:
            raise InvalidToken(f"The access token lacks the {self._required_scope} scope.")
        if not claims.get("tid") or not claims.get("oid"):
            raise InvalidToken("The access token names no tenant or user (tid, oid).")
        roles = claims.get("roles") or []
        return Principal(
            tenant_id=str(claims["tid"]).lower(), object_id=str(claims["oid"]).lower(),
            name=str(claims.get("name", "")), username=str(claims.get("preferred_username", "")),
            roles=tuple(str(r) for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
            scopes=scopes, claims=claims,
        )


class EntraIssuer:
    """What Entra ID's v2 tokens must say about where they come from, for one authority host.

    The issuer is {authority}/{tid}/v2.0 with tid a GUID in the allow-list; the signing key's own `issuer`
    (a template with {tenantid}) must give the same. Sovereign clouds differ only by the authority host
    (Azure Government: https://login.microsoftonline.us), which is also where the keys are fetched.
    """

    def __init__(self, authority: str, tenants: Iterable[str]):
        self.authority = authority.rstrip("/")
        self.tenants = frozenset(t.lower() for t in tenants)

    @property
    def jwks_url(self) -> str:
        # The multi-tenant key set: every key carries its issuer template, checked by key_matches.
        return f"{self.authority}/common/discovery/v2.0/keys"

    def issuer_for(self, claims: dict) -> str:
        tid = claims.get("tid")
        if not isinstance(tid, str) or not GUID.match(tid):
            raise InvalidToken("The access token names no valid tenant (tid).")
        if tid.lower() not in self.tenants:
            raise InvalidToken("The access token comes from a tenant that is not allowed to use this service.")
        expected = f"{self.authority}/{tid}/v2.0"
        issuer = claims.get("iss")
        if issuer != expected:
            if isinstance(issuer, str) and issuer.startswith(f"{self.authority}/") and issuer.endswith("/v2.0"):
                raise InvalidToken("The access token's issuer does not match its tenant (tid).")
            raise InvalidToken("The access token comes from an issuer that is not allowed.")
        return expected

    @staticmethod
    def key_matches(jwk: dict, claims: dict) -> bool:
        # Every key in Entra's v2 key sets carries its issuer template; a key without one was not published
        # for v2 tokens of these tenants, whatever else it signs
        template = jwk.get("issuer")
        return isinstance(template, str) and template.replace("{tenantid}", str(claims.get("tid", ""))) == \
            claims.get("iss")
