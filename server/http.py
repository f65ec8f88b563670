"""The one shared outbound HTTP session (connection pooling; every call still passes its own timeout)."""
from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter

from server import __version__


def make_session(pool_size: int = 64) -> requests.Session:
    session = requests.Session()
    # urllib3's own retries stay off: the model client decides what to retry, within its time budget
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"Drafter/{__version__}"
    return session
