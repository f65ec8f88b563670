"""ClientCredentialsTokenProvider: Entra ID app-only access tokens (OAuth 2.0 client credentials) through MSAL.

Used to call Azure OpenAI without an API key: the service's own app registration asks Entra for a token for
the Cognitive Services scope. msal.ConfidentialClientApplication caches the token until shortly before it
expires, so most calls cost no network round trip. The authority host is configurable (Azure Government:
https://login.microsoftonline.us; tests: a local fake), and instance discovery is off: the authority comes
from the administrator's configuration, so there is nothing to discover, and the discovery call would go to
login.microsoftonline.com, which sovereign clouds and closed networks cannot reach.

Never logged or put in an error: the client secret, the token. Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import logging
import re
import threading

import msal
import requests

from server.errors import UpstreamError, UpstreamTimeout
from server.llm.chat_payload import sanitize

log = logging.getLogger(__name__)

_AADSTS = re.compile(r"AADSTS\d+")


class _SessionForMsal:
    """msal's `http_client`: the shared session, plus the timeout (and CA bundle) msal does not pass itself."""

    def __init__(self, session: requests.Session, timeout: tuple[float, float], verify: str | bool | None):
        self._session = session
        self._timeout = timeout
        self._verify = verify

    def _options(self, kwargs: dict) -> dict:
        kwargs.setdefault("timeout", self._timeout)
        if self._verify is not None:
            kwargs.setdefault("verify", self._verify)
        return kwargs

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        return self._session.post(url, params=params, data=data, headers=headers, **self._options(kwargs))

    def get(self, url, params=None, headers=None, **kwargs):
        return self._session.get(url, params=params, headers=headers, **self._options(kwargs))

    def close(self) -> None:
        """msal may close its client; the shared session belongs to the application, which closes it."""


class ClientCredentialsTokenProvider:
    """Call it (or `get_token()`) for a bearer token; raises UpstreamError / UpstreamTimeout when Entra says no."""

    def __init__(self, *, tenant_id: str, client_id: str, client_credential: str | dict, scope: str,
                 session: requests.Session, authority_host: str = "https://login.microsoftonline.com",
                 timeout: tuple[float, float] = (5.0, 30.0), verify: str | bool | None = None):
        self.authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self.scope = scope
        self._client_id = client_id
        self._client_credential = client_credential  # a secret, or {private_key, public_certificate}
        self._http = _SessionForMsal(session, timeout, verify)
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    def __call__(self) -> str:
        return self.get_token()

    def get_token(self) -> str:
        app = self._application()
        try:
            result = app.acquire_token_for_client(scopes=[self.scope])
        except requests.Timeout:
            raise UpstreamTimeout(f"Entra ID ({self.authority}) did not answer the token request in time") from None
        except requests.RequestException as exc:
            raise UpstreamError(f"Entra ID ({self.authority}) cannot be reached ({type(exc).__name__})") from None
        token = result.get("access_token") if isinstance(result, dict) else None
        if token:
            return token
        raise UpstreamError(self._refusal(result if isinstance(result, dict) else {}))

    def _application(self) -> msal.ConfidentialClientApplication:
        with self._lock:  # msal reads the authority's metadata on construction: once, not per caller
            if self._app is None:
                try:
                    self._app = msal.ConfidentialClientApplication(
                        self._client_id, client_credential=self._client_credential, authority=self.authority,
                        http_client=self._http, instance_discovery=False, token_cache=msal.TokenCache())
                except requests.Timeout:
                    raise UpstreamTimeout(f"Entra ID ({self.authority}) did not answer in time") from None
                except requests.RequestException as exc:
                    raise UpstreamError(
                        f"Entra ID ({self.authority}) cannot be reached ({type(exc).__name__})") from None
                except ValueError as exc:  # tenant discovery failed: unknown tenant, wrong host
                    codes = _AADSTS.findall(f"{exc} {exc.__context__}")  # msal re-raises Entra's answer
                    detail = f" ({codes[0]})" if codes else ""
                    raise UpstreamError(f"Entra ID could not describe the authority {self.authority}{detail}; "
                                        "check the tenant id and authority host") from None
            return self._app

    def _refusal(self, result: dict) -> str:
        description = str(result.get("error_description") or "")
        if isinstance(self._client_credential, str) and self._client_credential:
            description = description.replace(self._client_credential, "[redacted]")
        first_line = description.strip().splitlines()[0] if description.strip() else ""
        sentence = first_line.split(". ")[0].rstrip(".") + "." if first_line else ""
        if not _AADSTS.search(sentence) and result.get("error_codes"):
            sentence = f"AADSTS{result['error_codes'][0]}: {sentence}".strip()
        error = sanitize(result.get("error") or "unknown_error", 60)
        log.warning("Entra ID refused a client-credentials token: error=%s codes=%s", error,
                    ",".join(_AADSTS.findall(description)) or "-")
        return f"Entra ID refused the token request for the model: {sanitize(sentence)} ({error})"
