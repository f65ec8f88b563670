"""TokenStore: on-behalf-of tokens shared between instances through Redis, encrypted, expiring with the token.

Each user (client id + tenant + object id) has one Redis hash, named by a SHA-256 of those ids, holding one
field per set of scopes. A field is the token answer MSAL recorded (access token, id token, client info; never
the refresh token or the user's assertion) sealed with AES-GCM under a key derived from the app's own
credential, with the hash's name as associated data: Redis alone reveals no token, and a sealed answer moved
to another user's hash does not open. The hash expires when its longest-lived token does.

Redis being down costs only the sharing: every failure is logged (never a token) and the caller carries on.
Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)

KEY_PREFIX = "drafter:obo:v1:"
REDIS_TIMEOUT = 0.5  # seconds; the store is an optimisation, never worth a slow request
EVENT_FIELDS = ("client_id", "scope", "token_endpoint", "environment", "grant_type")
RESPONSE_FIELDS = ("token_type", "scope", "expires_in", "ext_expires_in", "access_token", "id_token",
                   "client_info")


def _client_info(response: dict) -> dict:
    raw = response.get("client_info")
    if not isinstance(raw, str):
        return {}
    try:
        info = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, TypeError):
        return {}
    return info if isinstance(info, dict) else {}


class TokenStore:
    def __init__(self, redis_client, secret_material: bytes, *, prefix: str = KEY_PREFIX):
        self._redis = redis_client
        self._prefix = prefix
        self._aead = AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                 info=b"drafter on-behalf-of token store v1").derive(secret_material))

    @classmethod
    def from_url(cls, url: str, client_credential: str | dict) -> TokenStore:
        import redis

        material = client_credential if isinstance(client_credential, str) else client_credential["private_key"]
        client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
        return cls(client, material.encode())

    def key(self, client_id: str, tenant_id: str, object_id: str) -> str:
        user = f"{client_id.lower()}|{tenant_id.lower()}|{object_id.lower()}"
        return self._prefix + hashlib.sha256(user.encode()).hexdigest()

    def publish(self, event: dict, now: float | None) -> None:
        """Share one token answer MSAL just recorded; answers without a user (app tokens) are not shared."""
        response = event.get("response") or {}
        info = _client_info(response)
        lifetime = int(response.get("expires_in") or 0)
        if not (info.get("uid") and info.get("utid") and response.get("access_token") and lifetime > 0):
            return
        key = self.key(str(event.get("client_id", "")), info["utid"], info["uid"])
        record = {"event": {k: event[k] for k in EVENT_FIELDS if k in event},
                  "response": {k: response[k] for k in RESPONSE_FIELDS if k in response},
                  "obtained_at": int(time.time() if now is None else now)}
        scopes = " ".join(sorted(str(s) for s in event.get("scope") or []))
        field = hashlib.sha256(scopes.encode()).hexdigest()[:32]
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(nonce, json.dumps(record).encode(), key.encode())
        try:
            with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, field, sealed)
                pipe.expire(key, lifetime, nx=True)  # a new hash lives as long as its token
                pipe.expire(key, lifetime, gt=True)  # an existing one as long as its longest-lived token
                pipe.execute()
        except Exception as exc:  # redis errors, timeouts: sharing is best effort
            log.warning("cannot share an on-behalf-of token through Redis: %s", type(exc).__name__)

    def forget(self, client_id: str, tenant_id: str, object_id: str) -> None:
        """Drop every token shared for the user, for every set of scopes, not only the one a resource refused.

        Deliberate: a claims challenge (continuous access evaluation) speaks of the user's session (revoked,
        a new location or device, a changed policy), which all of their tokens share, so none of them may be
        handed out again by any instance. The cost is one on-behalf-of request per scope on the user's next
        calls; the alternative, keeping tokens the same session revocation covers, is not one to offer."""
        try:
            self._redis.delete(self.key(client_id, tenant_id, object_id))
        except Exception as exc:
            log.warning("cannot drop shared on-behalf-of tokens in Redis: %s", type(exc).__name__)

    def load(self, client_id: str, tenant_id: str, object_id: str) -> list[tuple[dict, int]]:
        """[(event, obtained_at)] of the user's shared answers still valid, ready for TokenCache.add."""
        key = self.key(client_id, tenant_id, object_id)
        try:
            sealed_records = self._redis.hgetall(key)
        except Exception as exc:
            log.warning("cannot read shared on-behalf-of tokens from Redis: %s", type(exc).__name__)
            return []
        now = time.time()
        records = []
        for sealed in sealed_records.values():
            try:
                record = json.loads(self._aead.decrypt(sealed[:12], sealed[12:], key.encode()))
            except (InvalidTag, ValueError):
                log.warning("a shared on-behalf-of token does not open with this app's key; ignored")
                continue
            obtained_at = int(record["obtained_at"])
            if obtained_at + int(record["response"].get("expires_in", 0)) <= now:
                continue
            records.append(({**record["event"], "response": record["response"]}, obtained_at))
        return records
