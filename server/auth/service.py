"""The Auth extension: builds the token validator for the configured mode and authenticates requests.

entra: keys from the authority's JWKS (cached), issuer {authority}/{tid}/v2.0 for allowed tenants only.
dev: tokens from the local DevIssuer (see server/auth/dev.py), served by /dev/token; never in entra mode.
"""
from __future__ import annotations

import logging
from pathlib import Path

from server.auth.dev import DevIssuer
from server.auth.tokens import JwksCache, Principal, TokenValidator
from server.errors import Unauthorized, UpstreamError

log = logging.getLogger(__name__)
EXTENSION = "drafter.auth"
JWKS_TIMEOUT = (3.05, 10)


class Auth:
    def __init__(self, app=None):
        self.validator: TokenValidator | None = None
        self.dev_issuer: DevIssuer | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app) -> None:
        config = app.config
        if config["AUTH_MODE"] == "dev":
            self.dev_issuer = DevIssuer(Path(app.instance_path) / "dev-signing-key.pem",
                                        issuer=f"{config['PUBLIC_URL']}/dev/v2.0",
                                        audience=config["CLIENT_ID"] or "api://drafter-dev")
            self.validator = TokenValidator(JwksCache(self.dev_issuer.jwks), audiences=[self.dev_issuer.audience],
                                            issuer_for=lambda _claims: self.dev_issuer.issuer)
        else:
            self.validator = self._entra_validator(app)
        app.extensions[EXTENSION] = self

    @staticmethod
    def _entra_validator(app) -> TokenValidator:
        config = app.config
        authority = config["AUTHORITY_HOST"]
        tenants = set(config["TENANT_IDS"])
        session = app.extensions["drafter.http"]
        jwks_url = f"{authority}/common/discovery/v2.0/keys"

        def fetch() -> dict:
            try:
                response = session.get(jwks_url, timeout=JWKS_TIMEOUT)
                response.raise_for_status()
                return response.json()
            except Exception as exc:  # any failure to reach the authority is an upstream problem
                log.error("cannot fetch signing keys from %s: %s", jwks_url, type(exc).__name__)
                raise UpstreamError("Cannot reach the identity provider to check the access token.") from None

        def issuer_for(claims: dict) -> str | None:
            tid = str(claims.get("tid", "")).lower()
            return f"{authority}/{tid}/v2.0" if tid in tenants else None

        def key_check(jwk: dict, claims: dict) -> bool:
            # Entra's multi-tenant JWKS marks keys with their issuer template; a key must match the token's.
            template = jwk.get("issuer")
            return not template or template.replace("{tenantid}", str(claims.get("tid", ""))) == claims.get("iss")

        audiences = [config["CLIENT_ID"], config["APP_ID_URI"]]
        return TokenValidator(JwksCache(fetch), audiences=audiences, issuer_for=issuer_for, key_check=key_check)

    def authenticate(self, authorization: str | None) -> Principal:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Sign in first: send Authorization: Bearer <access token>.")
        return self.validator.validate(token.strip())

