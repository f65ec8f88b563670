"""Bearer access-token validation: RS256 against a cached JWKS, issuer, audience, scope and expiry.

Pure Python (PyJWT + requests), no Flask. The same validator serves Entra ID (keys fetched from the
authority's JWKS) and the dev issuer (keys handed over in memory). Tokens are never logged.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import jwt

from server.errors import Unauthorized

log = logging.getLogger(__name__)

MAX_TOKEN_BYTES = 16 * 1024
LEEWAY_SECONDS = 120
VALIDATED_CACHE_SIZE = 10_000


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
    def user_key(self) -> str:
        return f"{self.tenant_id}:{self.object_id}"

    def to_dict(self) -> dict:
        return {"tenant_id": self.tenant_id, "object_id": self.object_id, "name": self.name,
                "username": self.username, "roles": list(self.roles)}


class JwksCache:
    """Signing keys by `kid`, fetched through `fetch()` (a JWKS dict), cached for `ttl` seconds.

    An unknown kid triggers one refetch (keys rotate), but at most once per `cooldown` seconds, so a flood of
    tokens with made-up kids cannot hammer the authority.
    """

    def __init__(self, fetch: Callable[[], dict], *, ttl: float = 3600.0, cooldown: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self._fetch = fetch
        self._ttl = ttl
        self._cooldown = cooldown
        self._clock = clock
        self._keys: dict[str, tuple[jwt.PyJWK, dict]] = {}  # kid -> (key, the JWK entry it came from)
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        jwks = self._fetch()
        keys = {}
        for entry in jwks.get("keys", []):
            if entry.get("kty") != "RSA" or not entry.get("kid"):
                continue
            try:
                keys[entry["kid"]] = (jwt.PyJWK(entry, algorithm="RS256"), entry)
            except jwt.PyJWTError as exc:
                log.warning("skipping unusable JWKS key %s: %s", entry.get("kid"), exc)
        self._keys = keys
        self._fetched_at = self._clock()

    def get(self, kid: str) -> jwt.PyJWK | None:
        entry = self._lookup(kid)
        return entry[0] if entry else None

    def raw(self, kid: str) -> dict | None:
        entry = self._lookup(kid)
        return entry[1] if entry else None

    def _lookup(self, kid: str) -> tuple[jwt.PyJWK, dict] | None:
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at > self._ttl
            unknown = kid not in self._keys
            may_refetch = self._fetched_at is None or now - self._fetched_at > self._cooldown
            if stale or (unknown and may_refetch):
                self._refresh()
            return self._keys.get(kid)


class TokenValidator:
    """Validates a bearer token and returns the Principal, or raises Unauthorized with a plain reason."""

    def __init__(self, keys: JwksCache, *, audiences: Iterable[str], issuer_for: Callable[[dict], str | None],
                 required_scope: str | None = "access_as_user", leeway: float = LEEWAY_SECONDS,
                 key_check: Callable[[dict, dict], bool] | None = None,
                 clock: Callable[[], float] = time.time, cache_size: int = VALIDATED_CACHE_SIZE):
        self._keys = keys
        self._audiences = [a for a in audiences if a]
        self._issuer_for = issuer_for  # unverified claims -> the issuer they must carry, or None to refuse
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
            raise Unauthorized("Sign in first: the request has no bearer token.")
        if len(token) > MAX_TOKEN_BYTES:
            raise Unauthorized("The access token is too large.")
        digest = hashlib.sha256(token.encode()).digest()
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
        except jwt.PyJWTError:
            raise Unauthorized("The access token is malformed.") from None
        if header.get("alg") != "RS256":
            raise Unauthorized("The access token must be signed with RS256.")
        # The tenant is checked before any key lookup, so tokens from elsewhere never reach the authority.
        issuer = self._issuer_for(unverified)
        if issuer is None:
            raise Unauthorized("The access token comes from a tenant or issuer that is not allowed.")
        key = self._keys.get(header.get("kid", ""))
        if key is None:
            raise Unauthorized("The access token was signed by an unknown key.")
        if self._key_check is not None and not self._key_check(self._keys.raw(header["kid"]) or {}, unverified):
            raise Unauthorized("The access token's signing key does not belong to its issuer.")
        try:
            claims = jwt.decode(
                token, key=key.key, algorithms=["RS256"], audience=self._audiences, issuer=issuer,
                leeway=self._leeway, options={"require": ["exp", "nbf", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The access token has expired; sign in again.") from None
        except jwt.ImmatureSignatureError:
            raise Unauthorized("The access token is not valid yet.") from None
        except jwt.InvalidAudienceError:
            raise Unauthorized("The access token is for another application.") from None
        except jwt.InvalidIssuerError:
            raise Unauthorized("The access token comes from an issuer that is not allowed.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthorized(f"The access token lacks the {exc.claim} claim.") from None
        except jwt.PyJWTError:
            raise Unauthorized("The access token's signature is not valid.") from None
        if claims.get("ver") != "2.0":
            raise Unauthorized("Only v2.0 access tokens are accepted.")
        scopes = tuple(str(claims.get("scp", "")).split())
        if self._required_scope and self._required_scope not in scopes:
            raise Unauthorized(f"The access token lacks the {self._required_scope} scope.")
        if not claims.get("tid") or not claims.get("oid"):
            raise Unauthorized("The access token names no tenant or user (tid, oid).")
        roles = claims.get("roles") or []
        return Principal(
            tenant_id=str(claims["tid"]).lower(), object_id=str(claims["oid"]).lower(),
            name=str(claims.get("name", "")), username=str(claims.get("preferred_username", "")),
            roles=tuple(str(r) for r in roles if isinstance(r, str)), scopes=scopes, claims=claims,
        )
