"""On-behalf-of (OBO): tokens for Microsoft Graph with the signed-in user's own rights, through MSAL.

One msal.ConfidentialClientApplication per tenant authority ({AUTHORITY_HOST}/{tid}), created on first use,
holds that tenant's users in MSAL's own token cache: a user's Graph token is looked up there first
(acquire_token_silent for the account tid+oid), and only a miss costs a jwt-bearer request to Entra ID.
The cache is bounded: past `capacity` users, the least recently seen user's tokens are forgotten. With a
TokenStore (Redis), every token MSAL obtains is also shared, so another instance finds it on its own miss.

When Microsoft Graph refuses a user's Graph token with a claims challenge (continuous access evaluation: the
user's session was revoked, their location or device changed), `challenged()` forgets all of that user's
tokens (every scope: the challenge is about their session) here and in the shared store, and keeps the
challenge for a while: the user's next call skips the cache and asks Entra on-behalf-of with those claims
(MSAL's claims_challenge), so a revoked token is never served again.

Entra's refusals become typed errors: interaction_required or a claims challenge (conditional access, MFA,
consent) -> 401 interaction_required carrying `claims`; AADSTS500133 (the user's token expired) -> plain 401;
anything else -> 502. Tokens, assertions and secrets are never logged or put in an error.
Pure Python: nothing here imports Flask (the extension's init_app only reads app.config).
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

import msal
import requests

from server.auth.app_credential import load_client_credential
from server.auth.client_credentials import _SessionForMsal
from server.auth.token_store import TokenStore
from server.errors import InteractionRequired, Unauthorized, UpstreamError, UpstreamTimeout
from server.llm.chat_payload import sanitize

log = logging.getLogger(__name__)

EXTENSION = "drafter.obo"
ENTRA_TIMEOUT = (5.0, 30.0)
DEFAULT_CAPACITY = 5_000  # users whose tokens stay in this process's memory
CHALLENGE_TTL = 600.0  # seconds a resource's claims challenge is kept for the user's next on-behalf-of request

ASSERTION_EXPIRED = 500133
# Entra answers these when the user must come back through sign-in: MFA or conditional access (50076, 50079,
# 50158, 53000-53003), consent (65001), a password or session change (50173, 70043). The claims answer, when
# Entra sends one, says what the new sign-in must satisfy.
INTERACTION_CODES = {50076, 50079, 50158, 53000, 53001, 53002, 53003, 65001, 50173, 70043}


class _SharedTokenCache(msal.TokenCache):
    """MSAL's token cache, which also hands every user token MSAL obtains to the shared store."""

    def __init__(self, store: TokenStore | None):
        super().__init__()
        self._store = store
        self._importing = threading.local()

    def add(self, event, now=None):
        super().add(event, now=now)
        if self._store is not None and not getattr(self._importing, "active", False):
            self._store.publish(event, now)

    def import_records(self, records: list[tuple[dict, int]]) -> None:
        self._importing.active = True
        try:
            for event, obtained_at in records:
                super().add(event, now=obtained_at)
        finally:
            self._importing.active = False


class OnBehalfOfClient:
    """`acquire_for(tenant_id, object_id, assertion, scopes)` -> an access token for that user, or a typed error."""

    def __init__(self, *, authority_host: str, client_id: str, client_credential: str | dict,
                 session: requests.Session, store: TokenStore | None = None, capacity: int = DEFAULT_CAPACITY,
                 timeout: tuple[float, float] = ENTRA_TIMEOUT, verify: str | bool | None = None):
        self._authority_host = authority_host.rstrip("/")
        self._client_id = client_id
        self._credential = client_credential
        self._http = _SessionForMsal(session, timeout, verify)
        self._store = store
        self._capacity = capacity
        self._apps: dict[str, msal.ConfidentialClientApplication] = {}
        self._apps_lock = threading.Lock()
        self._users: OrderedDict[str, str] = OrderedDict()  # home account id (oid.tid) -> tenant, oldest first
        self._users_lock = threading.Lock()
        # home account id -> (claims a resource asked for, when): bounded like the users, expiring
        self._challenges: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self.clock = time.monotonic  # public so a test can let time pass

    def acquire_for(self, tenant_id: str, object_id: str, assertion: str, scopes: Sequence[str]) -> str:
        tenant_id, object_id = tenant_id.lower(), object_id.lower()
        app = self.application(tenant_id)
        home = f"{object_id}.{tenant_id}"
        claims = self._pending_challenge(home)
        token = None
        if claims is None:
            token = self._silent(app, home, scopes)
            if token is None and self._store is not None:
                records = self._store.load(self._client_id, tenant_id, object_id)
                if records:
                    app.token_cache.import_records(records)
                    token = self._silent(app, home, scopes)
        if token is None:
            token = self._on_behalf_of(app, assertion, scopes, claims)
            if claims is not None:
                with self._users_lock:
                    self._challenges.pop(home, None)
        self._seen(home, tenant_id)
        return token

    def challenged(self, tenant_id: str, object_id: str, claims: str | None) -> None:
        """A resource refused the user's token with a claims challenge: drop their tokens, keep the claims.

        Without this, the cached token the resource has just refused would be handed out again on every call
        until it expires (an hour), however often the user signs in again. All of the user's tokens go, for
        every scope, here and in the shared store (TokenStore.forget says why); other users keep theirs."""
        tenant_id, object_id = tenant_id.lower(), object_id.lower()
        home = f"{object_id}.{tenant_id}"
        self._forget(home, tenant_id)
        if self._store is not None:
            self._store.forget(self._client_id, tenant_id, object_id)
        with self._users_lock:
            self._challenges[home] = (claims or "", self.clock())
            self._challenges.move_to_end(home)
            while len(self._challenges) > self._capacity:
                self._challenges.popitem(last=False)

    def _pending_challenge(self, home: str) -> str | None:
        """The claims to send with the user's next on-behalf-of request ("" when the resource named none)."""
        with self._users_lock:
            entry = self._challenges.get(home)
            if entry is None:
                return None
            if self.clock() - entry[1] > CHALLENGE_TTL:
                del self._challenges[home]
                return None
            return entry[0]

    def application(self, tenant_id: str) -> msal.ConfidentialClientApplication:
        """The tenant's application, built once: MSAL reads the authority's metadata when it is built."""
        with self._apps_lock:
            app = self._apps.get(tenant_id)
            if app is not None:
                return app
            authority = f"{self._authority_host}/{tenant_id}"
            try:
                app = msal.ConfidentialClientApplication(
                    self._client_id, client_credential=self._credential, authority=authority,
                    http_client=self._http, instance_discovery=False,
                    # CP1: this service handles claims challenges (challenged()), so Graph may send them
                    # (continuous access evaluation) rather than keep honouring a revoked session for an hour
                    client_capabilities=["CP1"],
                    token_cache=_SharedTokenCache(self._store))
            except requests.Timeout:
                raise UpstreamTimeout("Microsoft Entra ID did not answer in time; try again.") from None
            except requests.RequestException as exc:
                log.error("Entra ID authority %s cannot be reached: %s", authority, type(exc).__name__)
                raise UpstreamError("Microsoft Entra ID cannot be reached; try again later.") from None
            except ValueError:
                log.error("Entra ID could not describe the authority %s", authority)
                raise UpstreamError("Microsoft Entra ID could not describe this tenant; "
                                    "the administrator should check the tenant and authority settings.") from None
            self._apps[tenant_id] = app
            return app

    @property
    def users_cached(self) -> int:
        with self._users_lock:
            return len(self._users)

    def _silent(self, app: msal.ConfidentialClientApplication, home: str, scopes: Sequence[str]) -> str | None:
        accounts = list(app.token_cache.search(msal.TokenCache.CredentialType.ACCOUNT,
                                               query={"home_account_id": home}))
        if not accounts:
            return None
        try:
            result = app.acquire_token_silent(list(scopes), account=accounts[0])
        except requests.RequestException:
            return None  # a refresh that could not reach Entra: the on-behalf-of request says what is wrong
        return result.get("access_token") if isinstance(result, dict) else None

    def _on_behalf_of(self, app: msal.ConfidentialClientApplication, assertion: str, scopes: Sequence[str],
                      claims: str | None = None) -> str:
        try:
            result = app.acquire_token_on_behalf_of(assertion, list(scopes), claims_challenge=claims or None)
        except requests.Timeout:
            raise UpstreamTimeout("Microsoft Entra ID did not answer in time; try again.") from None
        except requests.RequestException as exc:
            log.error("on-behalf-of request could not reach Entra ID: %s", type(exc).__name__)
            raise UpstreamError("Microsoft Entra ID cannot be reached; try again later.") from None
        if isinstance(result, dict) and result.get("access_token"):
            return result["access_token"]
        raise refusal(result if isinstance(result, dict) else {})

    def _seen(self, home: str, tenant_id: str) -> None:
        evicted: list[tuple[str, str]] = []
        with self._users_lock:
            self._users[home] = tenant_id
            self._users.move_to_end(home)
            while len(self._users) > self._capacity:
                evicted.append(self._users.popitem(last=False))
        for old_home, old_tenant in evicted:
            self._forget(old_home, old_tenant)

    def _forget(self, home: str, tenant_id: str) -> None:
        """Remove the user's account, and every token MSAL holds for it, from this process."""
        app = self._apps.get(tenant_id)
        if app is None:
            return
        for account in list(app.token_cache.search(msal.TokenCache.CredentialType.ACCOUNT,
                                                   query={"home_account_id": home})):
            app.remove_account(account)


def refusal(result: dict) -> Exception:
    """Entra's error answer -> the typed error the caller sees (codes logged, descriptions and tokens never)."""
    error = str(result.get("error") or "unknown_error")
    codes = {int(c) for c in result.get("error_codes") or [] if str(c).isdigit()}
    claims = result.get("claims") or None
    log.warning("Entra ID refused an on-behalf-of token: error=%s codes=%s suberror=%s claims=%s",
                sanitize(error, 60), ",".join(str(c) for c in sorted(codes)) or "-",
                sanitize(str(result.get("suberror") or "-"), 60), "yes" if claims else "no")
    if ASSERTION_EXPIRED in codes:
        return Unauthorized("Your sign-in has expired; sign in again.")
    if error == "interaction_required" or claims or codes & INTERACTION_CODES:
        if 65001 in codes or result.get("suberror") == "consent_required":
            message = "Drafter needs your consent to read Microsoft 365 on your behalf; sign in again to give it."
        else:
            message = "Your organisation asks you to sign in again (for example with multi-factor authentication)."
        return InteractionRequired(message, claims=claims)
    if error == "invalid_grant":
        return Unauthorized("Microsoft Entra ID did not accept your sign-in for this; sign in again.")
    detail = f" (AADSTS{min(codes)})" if codes else ""
    return UpstreamError(f"Microsoft Entra ID refused the service's token request{detail}; "
                         "the administrator should check the app registration.")


class OnBehalfOf:
    """The extension: `client` is the OnBehalfOfClient in entra mode, None in dev mode (no Entra to ask)."""

    def __init__(self, app=None):
        self.client: OnBehalfOfClient | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app) -> None:
        config = app.config
        if config["AUTH_MODE"] == "entra" and (config["CLIENT_SECRET"] or config["CLIENT_CERTIFICATE_PATH"]):
            from server.config import ConfigError

            try:
                credential = load_client_credential(config["CLIENT_SECRET"], config["CLIENT_CERTIFICATE_PATH"])
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
            store = TokenStore.from_url(config["REDIS_URL"], credential) if config["REDIS_URL"] else None
            self.client = OnBehalfOfClient(
                authority_host=config["AUTHORITY_HOST"], client_id=config["CLIENT_ID"],
                client_credential=credential, session=app.extensions["drafter.http"], store=store)
        elif config["AUTH_MODE"] == "entra":
            log.warning("no DRAFTER_CLIENT_SECRET or DRAFTER_CLIENT_CERTIFICATE_PATH: Microsoft Graph is off "
                        "(no job title in /me, no summaries of SharePoint links)")
        app.extensions[EXTENSION] = self
