"""The development issuer: signs Entra-shaped v2 access tokens with a local RSA key (dev mode only).

The key lives in the instance folder (created once, mode 0600) so every gunicorn worker signs and verifies
with the same key. Tokens carry the same claims the Entra validator checks, so dev mode exercises the real
validation path; their issuer and key are unknown to entra mode, which therefore rejects them.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEV_TENANT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "drafter:dev-tenant"))
DEV_AUDIENCE = "api://drafter-dev"
TOKEN_LIFETIME = 3600


def _load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        try:
            os.link(partial, path)  # first writer wins; the others read what it wrote
        except FileExistsError:
            pass
        finally:
            os.unlink(partial)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


class DevIssuer:
    def __init__(self, key_path: str | os.PathLike, *, issuer: str, audience: str = DEV_AUDIENCE):
        self._key = _load_or_create_key(Path(key_path))
        public = self._key.public_key()
        self.kid = uuid.uuid5(uuid.NAMESPACE_OID, public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo).hex()).hex
        self.issuer = issuer
        self.audience = audience
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256", "issuer": issuer})
        self._jwks = {"keys": [jwk]}

    def jwks(self) -> dict:
        return self._jwks

    def issue(self, *, name: str, email: str, roles: list[str], lifetime: int = TOKEN_LIFETIME) -> str:
        now = int(time.time())
        claims = {
            "aud": self.audience, "iss": self.issuer, "iat": now, "nbf": now, "exp": now + lifetime,
            "ver": "2.0", "tid": DEV_TENANT_ID, "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"drafter:dev-user:{email.lower()}")),
            "name": name, "preferred_username": email, "roles": roles, "scp": "access_as_user",
            "azp": "drafter-dev-pane",
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})
