"""GraphClient: the two Microsoft Graph reads Drafter makes with the user's own (on-behalf-of) token.

    me(token)                      GET /v1.0/me?$select=...: display name and job title for signatures
    shared_file(token, url, cap)   a SharePoint / OneDrive file by its sharing link, through the shares API:
                                   GET /v1.0/shares/{u!base64url(link)}/driveItem (name, size), then
                                   .../driveItem/content, whose 302 points at a pre-authenticated download URL

The download URL is fetched without the Authorization header (it needs none, and the token must not travel
to another host). Reads are streamed and stop at the size cap. Graph's refusals become typed errors with plain
messages: 403 -> forbidden, 404 -> invalid_request on the link, 429 -> rate_limited with Retry-After, a claims
challenge -> interaction_required, the rest -> upstream_error. Tokens are never logged.
Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import base64
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import quote, urljoin

import requests

from server.errors import (
    Forbidden,
    InteractionRequired,
    InvalidRequest,
    RateLimited,
    TooLarge,
    UpstreamError,
    UpstreamTimeout,
)

log = logging.getLogger(__name__)

GRAPH_TIMEOUT = (5.0, 30.0)
PROFILE_FIELDS = ("displayName", "jobTitle", "mail", "userPrincipalName", "officeLocation", "department")
READ_SIZE = 64 * 1024
_CLAIMS = re.compile(r'claims="([^"]+)"')


def share_id(sharing_url: str) -> str:
    """The shares API's id for a sharing link: "u!" + unpadded base64url of the URL (Graph's documented encoding)."""
    encoded = base64.urlsafe_b64encode(sharing_url.encode("utf-8")).decode("ascii").rstrip("=")
    return "u!" + encoded


class GraphClient:
    def __init__(self, base_url: str, session: requests.Session, *, timeout: tuple[float, float] = GRAPH_TIMEOUT,
                 verify: str | bool | None = None):
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._timeout = timeout
        self._verify = verify

    def me(self, token: str) -> dict:
        response = self._get(f"/v1.0/me?$select={','.join(PROFILE_FIELDS)}", token, what="your profile")
        try:
            with response:
                profile = response.json()
        except ValueError:
            raise UpstreamError("Microsoft Graph answered something that is not JSON.") from None
        return {field: profile.get(field) for field in PROFILE_FIELDS}

    def shared_file(self, token: str, sharing_url: str, max_bytes: int, *, field: str = "document.url"
                    ) -> tuple[str, bytes]:
        """(file name, bytes) of the file a sharing link points to, read with the user's own rights."""
        item_path = f"/v1.0/shares/{quote(share_id(sharing_url), safe='!')}/driveItem"
        meta = self._get(f"{item_path}?$select=name,size,file,folder", token, what="that file", field=field)
        try:
            with meta:
                item = meta.json()
        except ValueError:
            raise UpstreamError("Microsoft Graph answered something that is not JSON.") from None
        if "folder" in item or "file" not in item:
            raise InvalidRequest("That link points to a folder, not a file; link one file.", field=field)
        name = str(item.get("name") or "document")
        size = item.get("size")
        if isinstance(size, int) and size > max_bytes:
            raise TooLarge(f"That file is {size:,} bytes; at most {max_bytes:,} can be summarized.", field=field)
        redirect = self._get(f"{item_path}/content", token, what="that file", field=field, redirects=True)
        with redirect:
            location = redirect.headers.get("Location")
            if redirect.status_code not in (301, 302, 303, 307, 308) or not location:
                # Graph may also answer the bytes itself; read them from this response
                return name, self._read(redirect, max_bytes, field)
        download_url = urljoin(redirect.url, location)
        try:
            download = self._session.get(download_url, timeout=self._timeout, stream=True,
                                         allow_redirects=False, **self._verify_option())
        except requests.Timeout:
            raise UpstreamTimeout("The file's download did not answer in time; try again.") from None
        except requests.RequestException as exc:
            log.warning("file download failed: %s", type(exc).__name__)
            raise UpstreamError("The file's download could not be reached; try again later.") from None
        with download:
            if download.status_code != 200:
                log.warning("file download answered %s", download.status_code)
                raise UpstreamError(f"The file's download failed ({download.status_code}); try again later.")
            return name, self._read(download, max_bytes, field)

    def _verify_option(self) -> dict:
        return {} if self._verify is None else {"verify": self._verify}

    def _get(self, path: str, token: str, *, what: str, field: str | None = None,
             redirects: bool = False) -> requests.Response:
        url = self.base_url + path
        try:
            response = self._session.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=self._timeout,
                                         stream=True, allow_redirects=False, **self._verify_option())
        except requests.Timeout:
            raise UpstreamTimeout("Microsoft Graph did not answer in time; try again.") from None
        except requests.RequestException as exc:
            log.warning("Microsoft Graph cannot be reached: %s", type(exc).__name__)
            raise UpstreamError("Microsoft Graph cannot be reached; try again later.") from None
        if response.status_code < 300 or (redirects and response.status_code < 400):
            return response
        try:
            raise self._refusal(response, what, field)
        finally:
            response.close()

    @staticmethod
    def _refusal(response: requests.Response, what: str, field: str | None) -> Exception:
        status = response.status_code
        code = _graph_error_code(response)
        log.warning("Microsoft Graph answered %s (%s) for %s", status, code or "-", what)
        if status == 401:
            challenge = _CLAIMS.search(response.headers.get("WWW-Authenticate", ""))
            if challenge:
                try:
                    claims = base64.b64decode(challenge.group(1) + "=" * (-len(challenge.group(1)) % 4)).decode()
                except ValueError:
                    claims = None
                return InteractionRequired("Your organisation asks you to sign in again to read this.", claims=claims)
            return UpstreamError("Microsoft Graph did not accept the service's token for you; try again later.")
        if status == 403:
            return Forbidden(f"You do not have access to {what}.", field=field)
        if status == 404:
            if field:
                return InvalidRequest("There is no file at that link, or it is not shared with you; check the link.",
                                      field=field)
            return UpstreamError(f"Microsoft Graph does not know {what}.")
        if status == 429:
            return RateLimited("Microsoft 365 is asking us to slow down; try again shortly.",
                               retry_after=_retry_after(response))
        if status in (502, 503, 504) and response.headers.get("Retry-After"):
            return UpstreamError("Microsoft Graph is busy; try again shortly.")
        return UpstreamError(f"Microsoft Graph failed to read {what} ({status}); try again later.")

    @staticmethod
    def _read(response: requests.Response, max_bytes: int, field: str) -> bytes:
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise TooLarge(f"That file is {int(length):,} bytes; at most {max_bytes:,} can be summarized.",
                           field=field)
        data = bytearray()
        try:
            for piece in response.iter_content(READ_SIZE):
                data += piece
                if len(data) > max_bytes:
                    raise TooLarge(f"That file is over {max_bytes:,} bytes, the most that can be summarized.",
                                   field=field)
        except requests.RequestException as exc:
            log.warning("file download broke off: %s", type(exc).__name__)
            raise UpstreamError("The file's download broke off; try again.") from None
        return bytes(data)


def _graph_error_code(response: requests.Response) -> str:
    try:
        body = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code", ""))[:60] if isinstance(error, dict) else ""


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


class ProfileCache:
    """Graph profiles by user key for `ttl` seconds (a signature's name and title rarely change), bounded."""

    def __init__(self, *, ttl: float = 300.0, size: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self._ttl, self._size, self._clock = ttl, size, clock
        self._entries: OrderedDict[str, tuple[float, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_key: str) -> dict | None:
        with self._lock:
            entry = self._entries.get(user_key)
        if entry is None or self._clock() - entry[0] > self._ttl:
            return None
        return entry[1]

    def put(self, user_key: str, profile: dict) -> None:
        with self._lock:
            self._entries[user_key] = (self._clock(), profile)
            self._entries.move_to_end(user_key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


class GraphService:
    """The extension "drafter.graph": the GraphClient for DRAFTER_GRAPH_URL and the profile cache."""

    def __init__(self, app=None):
        self.client: GraphClient | None = None
        self.profiles = ProfileCache()
        if app is not None:
            self.init_app(app)

    def init_app(self, app) -> None:
        self.client = GraphClient(app.config["GRAPH_URL"], app.extensions["drafter.http"])
        app.extensions["drafter.graph"] = self
