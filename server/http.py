"""The one shared outbound HTTP session (connection pooling; every call still passes its own timeout)."""
from __future__ import annotations

import threading
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from server import __version__


class SharedSession(requests.Session):
    """A Session that reads the proxy and CA settings of the environment once per origin.

    requests re-reads HTTPS_PROXY / NO_PROXY / REQUESTS_CA_BUNDLE on every call, which costs about a
    quarter of a millisecond; the environment is fixed at start-up, like the rest of the configuration.
    """

    def __init__(self):
        super().__init__()
        self._environment: dict[tuple[str, str], dict] = {}
        self._environment_lock = threading.Lock()

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        if proxies or verify not in (None, True) or cert is not None:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        settings = self._environment.get(key)
        if settings is None:
            settings = super().merge_environment_settings(url, proxies, None, verify, cert)
            with self._environment_lock:
                self._environment[key] = settings
        return {**settings, "proxies": dict(settings["proxies"]),
                "stream": stream if stream is not None else self.stream}


def make_session(pool_size: int = 64) -> requests.Session:
    session = SharedSession()
    # urllib3's own retries stay off: the model client decides what to retry, within its time budget
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"Drafter/{__version__}"
    return session
