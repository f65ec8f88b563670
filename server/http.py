"""The one shared outbound HTTP session (connection pooling; every call still passes its own timeout)."""
from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

from server import __version__


class SharedSession(requests.Session):
    """A Session that reads the environment's proxy and CA settings once per origin, and never ~/.netrc.

    requests re-reads HTTPS_PROXY / NO_PROXY / REQUESTS_CA_BUNDLE and ~/.netrc on every call, which costs
    about a quarter of a millisecond; the environment is fixed at start-up, like the rest of the
    configuration, and credentials come from DRAFTER_* settings, never from a netrc file.
    """

    def __init__(self):
        super().__init__()
        self.trust_env = False  # what trust_env did per call is done once per origin below
        self._environment: dict[tuple[str, str], tuple[dict, object]] = {}
        self._environment_lock = threading.Lock()

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
