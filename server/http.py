"""The one shared outbound HTTP session (connection pooling; every call still passes its own timeout)."""
from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

from server import __version__

MAX_PREPARED_URLS = 64  # model endpoints a service talks to: a handful; the bound keeps a mistake from growing


class SharedSession(requests.Session):
    """A Session that reads the environment's proxy and CA settings once per origin, and never ~/.netrc.

    requests re-reads HTTPS_PROXY / NO_PROXY / REQUESTS_CA_BUNDLE and ~/.netrc on every call, which costs
    about a quarter of a millisecond; the environment is fixed at start-up, like the rest of the
    configuration, and credentials come from DRAFTER_* settings, never from a netrc file.

    `post_bytes` is the hot path of the model client: the request to one URL is prepared once (session
    headers merged, URL parsed and checked) and copied per call, which saves about half a millisecond a call
    over `post` on a slow machine; it never follows redirects (a model endpoint has no reason to send one,
    and following it would turn the POST into a GET).
    """

    def __init__(self):
        super().__init__()
        self.trust_env = False  # what trust_env did per call is done once per origin below
        self._environment: dict[tuple[str, str], tuple[dict, object]] = {}
        self._environment_lock = threading.Lock()
        self._prepared: dict[str, tuple[requests.PreparedRequest, dict]] = {}

    def post_bytes(self, url: str, data: bytes, headers: dict[str, str], *, timeout, stream: bool = True
                   ) -> requests.Response:
        """POST `data` to `url` with `headers` added to the session's; redirects are returned, not followed."""
        template = self._prepared.get(url)
        if template is None:
            prepared = self.prepare_request(requests.Request("POST", url))
            settings = self.merge_environment_settings(url, {}, stream, None, None)
            settings.pop("stream", None)
            template = (prepared, settings)
            with self._environment_lock:
                if len(self._prepared) < MAX_PREPARED_URLS:
                    self._prepared[url] = template
        prepared, settings = template
        request = prepared.copy()
        request.headers.update(headers)
        request.body = data
        request.headers["Content-Length"] = str(len(data))
        return self.send(request, stream=stream, timeout=timeout, allow_redirects=False, **settings)

    def _from_environment(self, url: str) -> tuple[dict, object]:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        found = self._environment.get(key)
        if found is None:
            proxies = get_environ_proxies(url)
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            found = (proxies, bundle)
            with self._environment_lock:
                self._environment[key] = found
        return found

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        env_proxies, bundle = self._from_environment(url)
        proxies = dict(proxies or {})
        for scheme, proxy in env_proxies.items():
            proxies.setdefault(scheme, proxy)
        if (verify is True or verify is None) and bundle:
            verify = bundle
        return super().merge_environment_settings(url, proxies, stream, verify, cert)


def make_session(pool_size: int = 64) -> requests.Session:
    session = SharedSession()
    # urllib3's own retries stay off: the model client decides what to retry, within its time budget
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"Drafter/{__version__}"
    return session
