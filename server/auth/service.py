"""The Auth extension: builds the token validator for the configured mode and authenticates requests.

entra: keys from the authority's JWKS (cached), issuer {authority}/{tid}/v2.0 for allowed tenants only.
dev: tokens from the local DevIssuer (see server/auth/dev.py), served by /dev/token; never in entra mode, and
never when the server listens beyond loopback (server/auth/dev_bind.py).
Every 401 leaves with an RFC 6750 `WWW-Authenticate: Bearer ...` challenge (added after the error handler).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

from flask import g

from server.auth.dev import DevIssuer
from server.auth.dev_bind import check_at_start
from server.auth.tokens import (
    MAX_TOKEN_BYTES,
    EntraIssuer,
    InvalidToken,
    JwksCache,
    MalformedAuthorization,
    MissingToken,
    Principal,
    TokenValidator,
)
from server.errors import Unauthorized

log = logging.getLogger(__name__)
EXTENSION = "drafter.auth"
JWKS_TIMEOUT = (3.05, 10)
REALM = "Drafter"
_NOT_QUOTABLE = re.compile(r'[^\x20-\x21\x23-\x5b\x5d-\x7e]')  # RFC 6750 error_description characters


class Auth:
    def __init__(self, app=None):
        self.validator: TokenValidator | None = None
        self.dev_issuer: DevIssuer | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app) -> None:
        config = app.config
        if config["AUTH_MODE"] == "dev":
            check_at_start(config)  # before anything is served: dev mode never listens beyond loopback
            self.dev_issuer = DevIssuer(Path(app.instance_path) / "dev-signing-key.pem",
                                        issuer=f"{config['PUBLIC_URL']}/dev/v2.0",
                                        audience=config["CLIENT_ID"] or "api://drafter-dev")
            self.validator = TokenValidator(JwksCache(self.dev_issuer.jwks), audiences=[self.dev_issuer.audience],
                                            issuer_for=lambda _claims: self.dev_issuer.issuer)
        else:
            self.validator = self._entra_validator(app)
        app.after_request(_add_challenge)
        app.extensions[EXTENSION] = self

    @property
    def jwks(self) -> JwksCache:
        return self.validator.keys

    @staticmethod
    def _entra_validator(app) -> TokenValidator:
        config = app.config
        entra = EntraIssuer(config["AUTHORITY_HOST"], config["TENANT_IDS"])
        session = app.extensions["drafter.http"]
        jwks_url = entra.jwks_url

        def fetch() -> dict:
            response = session.get(jwks_url, timeout=JWKS_TIMEOUT, allow_redirects=False)
            try:
                response.raise_for_status()
                return response.json()
            finally:
                response.close()

        # v2 tokens name the client id; the app ID URI, when unset, is the one the manifests derive and the pane asks for
        app_id_uri = config["APP_ID_URI"] or f"api://{urlsplit(config['PUBLIC_URL']).netloc}/{config['CLIENT_ID']}"
        audiences = [config["CLIENT_ID"], app_id_uri]
        return TokenValidator(JwksCache(fetch), audiences=audiences, issuer_for=entra.issuer_for,
                              key_check=entra.key_matches)

    def authenticate(self, authorization: str | None) -> Principal:
        """The caller of `Authorization: Bearer <token>`, or Unauthorized saying plainly what is wrong."""
        if authorization is None or not authorization.strip():
            raise MissingToken("Sign in first: send Authorization: Bearer <access token>.")
        if len(authorization) > MAX_TOKEN_BYTES + len("Bearer "):
            raise InvalidToken("The access token is too large (over 16 KB); it was not read.")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer":
            raise MalformedAuthorization("Send the access token as Authorization: Bearer <access token>.")
        if not token:
            raise MalformedAuthorization("The Authorization header has no token after Bearer.")
        if " " in token or "," in token:
            raise MalformedAuthorization("The Authorization header must carry exactly one Bearer token.")
        return self.validator.validate(token)


def remember_failure(error: Unauthorized) -> None:
    """Called by the view layer when authentication fails, so the response gets the matching challenge."""
    g.auth_failure = error


def challenge(error: Unauthorized | None) -> str:
    parts = [f'Bearer realm="{REALM}"']
    code = getattr(error, "bearer_error", "invalid_token") if error is not None else None
    if code:
        parts.append(f'error="{code}"')
        description = _NOT_QUOTABLE.sub(" ", error.message)
        parts.append(f'error_description="{description}"')
    return ", ".join(parts)


def _add_challenge(response):
    if response.status_code == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = challenge(g.get("auth_failure"))
    return response
